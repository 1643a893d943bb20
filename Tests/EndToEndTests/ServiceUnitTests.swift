import Foundation
import TestSupport
import Testing

/// The systemd units shipped in `contrib/`: systemd accepts them, and protect-dl accepts their command lines.
@Suite("contrib/systemd: the watch service, the sync service and its timer")
struct ServiceUnitTests {
    static func unit(_ name: String) -> URL {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        return root.appendingPathComponent("contrib/systemd/\(name)")
    }
    static let services = ["protect-dl-watch.service", "protect-dl-sync.service"]

    /// The unit's `ExecStart=` command line, continuation lines joined.
    static func execStart(_ text: String) -> String? {
        let joined = text.replacingOccurrences(of: "\\\n", with: " ")
        return joined.split(separator: "\n").first { $0.hasPrefix("ExecStart=") }.map {
            String($0.dropFirst("ExecStart=".count))
        }
    }

    @Test("systemd-analyze verify accepts the units (with the built binary in ExecStart)")
    func systemdAccepts() async throws {
        let analyze = "/usr/bin/systemd-analyze"
        try #require(
            FileManager.default.isExecutableFile(atPath: analyze), "systemd-analyze is missing (Debian: systemd)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var copies: [String] = []
        for name in Self.services + ["protect-dl-sync.timer"] {
            let text = try String(contentsOf: Self.unit(name), encoding: .utf8)
                .replacingOccurrences(of: "/usr/local/bin/protect-dl", with: try Binary.path("protect-dl"))
            let copy = folder.appendingPathComponent(name)
            try text.write(to: copy, atomically: true, encoding: .utf8)
            copies.append(copy.path)
        }
        let result = try await runProcess(analyze, ["verify"] + copies)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("protect-dl-"), "\(result.stderr)")
        // The sync service is hardened as the watch service is.
        let sync = try String(contentsOf: Self.unit("protect-dl-sync.service"), encoding: .utf8)
        for directive in [
            "ProtectSystem=strict", "ReadWritePaths=/srv/footage", "NoNewPrivileges=yes", "User=protect-dl",
            "LoadCredential=console-password:",
        ] {
            #expect(sync.contains(directive), "\(directive)")
        }
    }

    @Test(
        "protect-dl accepts each unit's options: it gets as far as connecting (exit 5), not a usage error (64)",
        arguments: services)
    func optionsParse(name: String) async throws {
        let text = try String(contentsOf: Self.unit(name), encoding: .utf8)
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

    @Test("systemd-analyze security rates each service's exposure at most 2.0 (3.7 before the system-call filter)")
    func exposure() async throws {
        let analyze = "/usr/bin/systemd-analyze"
        try #require(
            FileManager.default.isExecutableFile(atPath: analyze), "systemd-analyze is missing (Debian: systemd)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in Self.services {
            let text = try String(contentsOf: Self.unit(name), encoding: .utf8)
            for directive in [
                "SystemCallFilter=@system-service", "SystemCallFilter=~@privileged @resources", "ProtectClock=yes",
                "ProtectKernelLogs=yes", "RestrictSUIDSGID=yes", "PrivateUsers=yes",
            ] {
                #expect(text.contains(directive + "\n"), "\(name): \(directive)")
            }
            let copy = folder.appendingPathComponent(name)
            try text.replacingOccurrences(of: "/usr/local/bin/protect-dl", with: try Binary.path("protect-dl"))
                .write(to: copy, atomically: true, encoding: .utf8)
            let result = try await runProcess(analyze, ["security", "--offline=true", "--no-pager", copy.path])
            let line = try #require(
                result.stdout.split(separator: "\n").first { $0.contains("Overall exposure level") }, "\(result.stdout)"
            )
            let score = line.split(separator: " ").compactMap { Double($0) }.last
            #expect(score.map { $0 <= 2.0 } == true, "\(name): \(line)")
        }
    }
}
