import Foundation
import ProtectArchive
import ProtectSimulator
import TestSupport
import Testing

@Suite("protect-dl clip with connection options: the hours the archive lacks come from the console")
struct ConsoleClipEndToEndTests {
    @Test("A clip past the archive's last hour takes the rest from the console, gapless, and says which is which")
    func archiveThenConsole() async throws {
        try await Scenario.with(clipConsole(cameras: 1), frozen: true) { s in
            let synced = try await s.run(s.sync())
            #expect(synced.status == 0, "\(synced.stderr)")
            let camera = (await s.simulator.cameras())[0]
            // The archive ends with the last whole hour; the console has the half hour after it too.
            let (_, last) = try s.archivedBoundary(camera: camera.id)
            let from = last.end - 20_000
            let to = last.end + 20_000
            let out = s.destination.appendingPathComponent("../console-clip-\(UUID()).mp4").standardizedFileURL
            defer { try? FileManager.default.removeItem(at: out) }
            let arguments = [
                "clip", "--dest", s.destination.path, "--camera", camera.name, "--from", iso(from), "--to", iso(to),
                "--out", out.path,
            ]
            // Without connection options the archive's gap is the missing-footage failure.
            let alone = try await s.run(arguments)
            #expect(alone.status == 23, "\(alone.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path))

            let run = try await s.run(arguments + connectionOnly(s))
            #expect(run.status == 0, "\(run.stderr)")
            let zone = DisplayZone.named(try s.state().meta("timezone") ?? "UTC")
            let fetched = ClipRequest.describe(last.end..<to, in: zone)
            #expect(
                run.stdout.contains("from 1 archive file and from the console for \(fetched)"), "\(run.stdout)")
            let probe = try await ClipProbe.of(out.path)
            #expect(probe.packets.count == 40, "\(probe.packets.count)")
            #expect(probe.steadilySpaced(by: 1))
            // The archive's last seconds, the console's first second and its last: each frame shows its own moment.
            for offset in [0, 19, 20, 39] {
                let frame = try await Probe.frame(out.path, at: Double(offset))
                #expect(frame.time() == s.clockText(from + Int64(offset) * 1000), "at \(offset) s")
            }
            // The same console from a configuration file's section, no connection option on the command line.
            let file = try configFile(
                """
                consoles:
                  site:
                    address: \(s.endpoint.host)
                    port: \(s.endpoint.port)
                    username: admin
                """)
            defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
            let viaFile = out.deletingPathExtension().appendingPathExtension("configured.mp4")
            defer { try? FileManager.default.removeItem(at: viaFile) }
            let configured = try await s.run(Array(arguments.dropLast()) + [viaFile.path, "--config", file.path])
            #expect(configured.status == 0, "\(configured.stderr)")
            #expect(configured.stdout.contains("and from the console for \(fetched)"), "\(configured.stdout)")
            #expect(try await ClipProbe.of(viaFile.path).packets.count == 40)
            // Nothing of the console's export is left behind beside the clip.
            let left = try FileManager.default.contentsOfDirectory(atPath: out.deletingLastPathComponent().path)
            #expect(!left.contains { $0.hasPrefix(".console-clip") }, "\(left)")
        }
    }
}
