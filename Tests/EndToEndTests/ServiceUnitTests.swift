import Foundation
import Testing

/// The systemd unit shipped in `contrib/`: systemd accepts it, and protect-dl accepts its command line.
@Suite("contrib/systemd: the watch service unit")
struct ServiceUnitTests {
    static var unit: URL {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        return root.appendingPathComponent("contrib/systemd/protect-dl-watch.service")
    }

    /// The unit's `ExecStart=` command line, continuation lines joined.
    static func execStart(_ text: String) -> String? {
        let joined = text.replacingOccurrences(of: "\\\n", with: " ")
        return joined.split(separator: "\n").first { $0.hasPrefix("ExecStart=") }.map {
            String($0.dropFirst("ExecStart=".count))
        }
    }

    @Test("systemd-analyze verify accepts the unit (with the built binary in ExecStart)")
    func systemdAccepts() async throws {
        let analyze = "/usr/bin/systemd-analyze"
        try #require(
            FileManager.default.isExecutableFile(atPath: analyze), "systemd-analyze is missing (Debian: systemd)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = try String(contentsOf: Self.unit, encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/protect-dl", with: try Binary.path("protect-dl"))
        let copy = folder.appendingPathComponent("protect-dl-watch.service")
        try text.write(to: copy, atomically: true, encoding: .utf8)
        let result = try await runProcess(analyze, ["verify", copy.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("protect-dl-watch.service"), "\(result.stderr)")
    }

    @Test("protect-dl accepts the unit's options: it gets as far as connecting (exit 5), not a usage error (64)")
    func optionsParse() async throws {
        let text = try String(contentsOf: Self.unit, encoding: .utf8)
        let line = try #require(Self.execStart(text))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "secret\n".write(
            to: folder.appendingPathComponent("console-password"), atomically: true, encoding: .utf8)
        var arguments = line.split(separator: " ").map(String.init).dropFirst(1).map { argument in
            argument.replacingOccurrences(of: "${CREDENTIALS_DIRECTORY}", with: folder.path)
                .replacingOccurrences(of: "/srv/footage", with: folder.path)
        }
        arguments = try arguments.replacingValue(of: "--address", with: "127.0.0.1")
        arguments += ["--port", String(try freePort())]
        let result = try await Binary.run(arguments, password: nil, timeout: 60)
        #expect(result.status == 5, "\(result.stderr)")
        #expect(result.stderr.contains("Connection refused"), "\(result.stderr)")
    }
}
