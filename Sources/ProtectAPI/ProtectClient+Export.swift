import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

extension ProtectClient {
    /// Exports recorded video and hands its body to `consume`; a range without footage is `.noFootage`.
    public nonisolated func withExport<T: Sendable>(
        _ export: ExportRequest, _ consume: @Sendable (ExportBody) async throws -> T
    ) async throws -> ExportOutcome<T> {
        let path = await exportPath
        if path == .twoStep { return try await twoStepExport(export, consume) }
        await countOneStep(+1)
        var alone = false
        let result: Result<ExportOutcome<T>, any Error>
        do {
            let response = try await send("video/export", query: export.queryItems, forExport: true)
            if response.status.code == 200 { await decideExportPath(.oneStep) }
            alone = await oneStepInFlight == 1
            result = .success(try await handleExport(response, consume))
        } catch {
            result = .failure(error)
        }
        await countOneStep(-1)
        switch result {
        case .success(let outcome):
            return outcome
        case .failure(let oneStep as ProtectError)
        where oneStep.kind == .consoleBusy && oneStep.status == 500 && oneStep.retryAfter == nil
            && path == .undecided && alone:
            // Some firmware's one-step export fails for every request while the web UI's two-step path works. A
            // 500 while no other export of ours runs is not our own overload: try the two-step path once; if it
            // works, use it for the rest of the run.
            do {
                let outcome = try await twoStepExport(export, consume)
                await decideExportPath(.twoStep)
                return outcome
            } catch let error as CancellationError {
                throw error
            } catch {
                await decideExportPath(.oneStep)
                throw oneStep
            }
        case .failure(let error):
            throw error
        }
    }

    func countOneStep(_ change: Int) { oneStepInFlight += change }

    /// Which export path this console gets: undecided until an export succeeds or the fallback was tried.
    enum ExportPath: Sendable {
        case undecided, oneStep, twoStep
    }

    func decideExportPath(_ path: ExportPath) {
        guard exportPath == .undecided else { return }
        exportPath = path
        if path == .twoStep {
            logger.warning(
                "This console's one-step video export fails while the two-step export (prepare, then download) works; using the two-step export for the rest of the run."
            )
        }
    }

    /// The web UI's export: `video/prepare` names a file, `video/download` streams it.
    nonisolated func twoStepExport<T: Sendable>(
        _ export: ExportRequest, _ consume: @Sendable (ExportBody) async throws -> T
    ) async throws -> ExportOutcome<T> {
        var query = export.queryItems
        if !query.contains(where: { $0.0 == "type" }) { query.append(("type", "rotating")) }
        query.append(("filename", "protect-dl-\(export.cameraID)-\(export.start)-\(export.end).mp4"))
        let prepared = try await send("video/prepare", query: query, forExport: true)
        let text = try await Transport.collect(prepared)
        guard prepared.status.code == 200 else {
            return try Self.exportFailure(
                status: Int(prepared.status.code), text: text, headers: prepared.headers,
                request: "the export's preparation")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let fileName = object["fileName"] as? String
        else {
            throw ProtectError.invalidResponse(reason: "video/prepare gave no fileName")
        }
        return try await handleExport(
            try await send(
                "video/download", query: [("camera", export.cameraID), ("filename", fileName)], forExport: true),
            consume)
    }

    /// An export step answered other than 200: the console's "no footage", or the error it is.
    static func exportFailure<T: Sendable>(status: Int, text: String, headers: HTTPHeaders, request: String) throws
        -> ExportOutcome<T>
    {
        let reason = Transport.reason(from: text, headers)
        if status == 500 && Transport.meansNoFootage(reason) { return .noFootage(reason: reason) }
        throw Transport.failure(status: status, reason: reason, headers: headers, request: request)
    }

    /// Reads an export's answer: footage handed to `consume`, no footage, or the error it is.
    nonisolated func handleExport<T: Sendable>(
        _ response: HTTPClientResponse, _ consume: @Sendable (ExportBody) async throws -> T
    ) async throws -> ExportOutcome<T> {
        let contentType = response.headers.first(name: "Content-Type") ?? ""
        guard response.status.code == 200 else {
            return try Self.exportFailure(
                status: Int(response.status.code), text: try await Transport.collect(response),
                headers: response.headers, request: "the export")
        }
        if contentType.hasPrefix("text/html") || contentType.hasPrefix("application/json") {
            _ = try? await Transport.collect(response)
            throw ProtectError.unexpectedContent(
                contentType: contentType.hasPrefix("text/html") ? "an HTML page" : "JSON", request: "the export")
        }
        let length = response.headers.first(name: "Content-Length").flatMap { Int64($0) }
        return .footage(try await consume(ExportBody(base: response.body, contentLength: length)))
    }
}
