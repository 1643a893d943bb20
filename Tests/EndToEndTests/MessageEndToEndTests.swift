import Foundation
import TestSupport
import Testing

/// One clear sentence and the right exit code for what a new user met in the configuration and the help.
@Suite("Messages: configuration values, unreadable files, help texts")
struct MessageEndToEndTests {
    @Test("port: \"abc\" in the file names the file, the line and the key, exit 78")
    func badValueInFile() async throws {
        let file = try configFile(
            """
            defaults:
              username: admin
            consoles:
              home:
                address: 127.0.0.1
                port: "abc"
                dest: /tmp
            """)
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let result = try await Binary.run(["sync", "--config", file.path, "--console", "home"])
        #expect(result.status == 78, "\(result.stderr)")
        #expect(result.stderr.contains("\(file.path):6: port: \"abc\" cannot be used"), "\(result.stderr)")
        // Typed on the command line, the same value stays a usage error (64).
        let typed = try await Binary.run(["sync", "--config", file.path, "--console", "home", "--port", "abc"])
        #expect(typed.status == 64, "\(typed.stderr)")
    }

    @Test("A configuration file the service's user cannot read says so (not 'does not exist'), exit 78")
    func unreadableFile() async throws {
        let file = try configFile("defaults:\n  username: admin\n")
        let folder = file.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: folder) }
        // As the README's install once made it: a folder of mode 0700 owned by root, read by another user.
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder.path)
        let setpriv = "/usr/bin/setpriv"
        try #require(getuid() == 0 && FileManager.default.isExecutableFile(atPath: setpriv), "needs root and setpriv")
        let asNobody = [
            "--reuid=65534", "--regid=65534", "--clear-groups", try Binary.path("protect-dl"), "sync", "--config",
            file.path, "--dest", "/tmp",
        ]
        let refused = try await runProcess(setpriv, asNobody, timeout: 60)
        #expect(refused.status == 78, "\(refused.stderr)")
        #expect(refused.stderr.contains("cannot be read by this user (uid 65534)"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("does not exist"), "\(refused.stderr)")
        let missing = try await Binary.run(["sync", "--config", folder.path + "/none.yaml", "--dest", "/tmp"])
        #expect(missing.status == 78 && missing.stderr.contains("does not exist"), "\(missing.stderr)")
    }

    @Test("config show --help prints its help; watch --help and the exit codes agree on SIGTERM")
    func helpTexts() async throws {
        let show = try await Binary.run(["config", "show", "--help"])
        #expect(show.status == 0 && show.stdout.contains("USAGE: protect-dl config show"), "\(show.stdout)")
        let watch = try await Binary.run(["watch", "--help"])
        let text = watch.stdout.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(
            of: "  +", with: " ", options: .regularExpression)
        #expect(text.contains("Runs until SIGTERM or Ctrl-C (exit 0)"), "\(text)")
        #expect(text.contains("watch and sync --every stop cleanly on SIGTERM and exit 0"), "\(text)")
    }
}
