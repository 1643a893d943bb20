import Foundation
import Logging
import ProtectAPI

/// Writes `SHA256SUMS` (as `sha256sum -c` reads it) and `manifest.json` for the archive's complete files.
public struct ManifestJob: Sendable {
    public var destination: URL
    /// A remote archive: the two files are also uploaded to its root, beside the data.
    public var remote: RemoteStore?
    /// Only files overlapping this range (milliseconds), when given.
    public var range: Range<Int64>?
    /// Only these cameras (ids or names), when given.
    public var cameras: [String]?

    public init(destination: URL) {
        self.destination = destination
    }

    /// The files written, relative to the destination, and how many segments they list.
    public func write(state: ArchiveState) async throws -> (files: [String], count: Int) {
        let known = try state.cameras()
        let chosen = try CameraSelection.resolve(
            cameras, among: known.map { Camera(id: $0.id, name: $0.name) })
        let chosenIDs = Set(chosen.map(\.id))
        let names = Dictionary(known.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        var console: [String: String] = [:]
        console["name"] = try state.meta("consoleName")
        console["version"] = try state.meta("consoleVersion")
        console["timezone"] = try state.meta("timezone")
        // Both files are written row by row as the state is read (a year of 50 cameras is 438,000 rows), beside
        // their final names, then renamed into place.
        let sumsURL = destination.appendingPathComponent("SHA256SUMS")
        let manifestURL = destination.appendingPathComponent("manifest.json")
        let sums = try StreamedFile(final: sumsURL)
        let manifest = try StreamedFile(final: manifestURL)
        defer {
            sums.discard()
            manifest.discard()
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func json(_ value: some Encodable) throws -> String {
            String(decoding: try encoder.encode(value), as: UTF8.self)
        }
        try manifest.write(
            "{\n  \"console\" : \(try json(console)),\n  \"createdAt\" : \(try json(TimeFormatting.iso(state.clock.now()))),"
                + "\n  \"files\" : [")
        var count = 0
        try state.forEachComplete { record in
            guard cameras == nil || chosenIDs.contains(record.cameraID),
                range.map({ record.start < $0.upperBound && record.end > $0.lowerBound }) ?? true
            else { return }
            try sums.write("\(record.sha256 ?? "")  \(record.path)\n")
            let entry = ManifestEntry(
                adopted: record.adopted, camera: names[record.cameraID] ?? record.cameraID, cameraId: record.cameraID,
                downloadedAt: TimeFormatting.iso(record.updatedAt), end: TimeFormatting.iso(record.end),
                path: record.path, sha256: record.sha256 ?? "", size: record.size,
                start: TimeFormatting.iso(record.start), stream: record.stream)
            try manifest.write((count == 0 ? "\n    " : ",\n    ") + (try json(entry)))
            count += 1
        }
        try manifest.write(
            (count == 0 ? "],\n" : "\n  ],\n") + "  \"count\" : \(count),\n  \"generator\" : \"protect-dl\"\n}\n")
        try sums.commit()
        try manifest.commit()
        if let remote {
            try await remote.put(file: sumsURL, to: "SHA256SUMS")
            try await remote.put(file: manifestURL, to: "manifest.json")
        }
        return (["SHA256SUMS", "manifest.json"], count)
    }
}

/// One file of `manifest.json`, its keys in order.
struct ManifestEntry: Encodable {
    var adopted: Bool
    var camera: String
    var cameraId: String
    var downloadedAt: String
    var end: String
    var path: String
    var sha256: String
    var size: Int64
    var start: String
    var stream: String
}
