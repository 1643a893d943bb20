import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

extension ProtectClient {
    /// Sends an authenticated request; on a 401 (or a login page) logs in again and retries once.
    nonisolated func send(
        _ path: String, query: [(String, String)] = [], forExport: Bool = false
    ) async throws -> HTTPClientResponse {
        var retried = false
        while true {
            let auth = try await authorization(forExport: forExport)
            var request = HTTPClientRequest(url: baseURL + apiPrefix + path + Transport.encode(query + auth.query))
            for (name, value) in auth.headers { request.headers.add(name: name, value: value) }
            let response = try await Transport.execute(http, request, timeout: configuration.timeouts.idleRead)
            await responseReceived(response.headers)
            let contentType = response.headers.first(name: "Content-Type") ?? ""
            let isLoginPage = response.status.code == 200 && contentType.hasPrefix("text/html")
            if response.status.code == 401 || (isLoginPage && generation == .unifiOS) {
                // The body is read here and only here: a response body has one reader.
                let text = (try? await Transport.collect(response)) ?? ""
                if !retried {
                    retried = true
                    try await sessionRejected(auth.session)
                    continue
                }
                if isLoginPage {
                    throw ProtectError.unexpectedContent(contentType: "an HTML page", request: Self.describe(path))
                }
                throw ProtectError.httpError(
                    status: 401, reason: Transport.reason(from: text, response.headers) + " (again after a new login)",
                    request: Self.describe(path))
            }
            return response
        }
    }

    static func describe(_ path: String) -> String {
        path.hasPrefix("video/") ? "the export" : "GET \(path)"
    }

    /// `GET bootstrap`: cameras and console.
    public nonisolated func bootstrap() async throws -> Bootstrap {
        try await getJSON("bootstrap", as: Bootstrap.self)
    }

    nonisolated func getJSON<T: Decodable & Sendable>(_ path: String, query: [(String, String)] = [], as type: T.Type)
        async throws
        -> T
    {
        try await withAPIRetries(path) { try await getJSONOnce(path, query: query, as: type) }
    }

    /// Runs an API call again after a 5xx, 429 or network failure, with exponential back-off.
    nonisolated func withAPIRetries<T: Sendable>(_ path: String, _ call: () async throws -> T) async throws -> T {
        try await configuration.apiRetryPolicy.run(
            retryingWithin: .request,
            onRetry: { error, _, wait in
                logger.info("GET \(path) failed (\(error.localizedDescription)); trying again in \(wait) s.")
            },
            { _ in try await call() })
    }

    nonisolated func getJSONOnce<T: Decodable & Sendable>(_ path: String, query: [(String, String)], as type: T.Type)
        async throws -> T
    {
        let response = try await send(path, query: query)
        let text = try await Transport.collect(response, limit: 64 * 1024 * 1024)
        guard response.status.code == 200 else {
            throw Transport.failure(
                status: Int(response.status.code), reason: Transport.reason(from: text, response.headers),
                headers: response.headers, request: Self.describe(path))
        }
        let contentType = response.headers.first(name: "Content-Type") ?? ""
        if contentType.hasPrefix("text/html") {
            throw ProtectError.unexpectedContent(contentType: "an HTML page", request: Self.describe(path))
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw ProtectError.invalidResponse(reason: "\(path): \(error)", underlying: error)
        }
    }

    /// One page of `GET events`, oldest first.
    public nonisolated func events(_ query: EventQuery) async throws -> [Event] {
        try await getJSON("events", query: query.queryItems, as: [Event].self)
    }

    /// One event by its id (`GET events/<id>`), for updates about events the listener never saw start.
    public nonisolated func event(id: String) async throws -> Event {
        try await getJSON("events/\(id)", query: [], as: Event.self)
    }
}
