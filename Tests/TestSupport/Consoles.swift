import Foundation
import ProtectSimulator

extension SimulatorConfiguration {
    /// A console of `mode` with little video (small, slow, short), so that many tests can share two cores; each test
    /// target passes the sizes its assertions were written for. `loginRetryAfter` nil keeps the console's default.
    public static func small(
        _ mode: Mode = .unifiOS, cameras: Int? = nil, bitrate: Int, framesPerSecond: Int, width: Int = 160,
        height: Int = 90, historyHours: Int, burnedInText: Bool = true, loginRetryAfter: Int? = 1
    ) -> SimulatorConfiguration {
        var configuration = SimulatorConfiguration(mode: mode)
        if let cameras { configuration.cameras.count = cameras }
        configuration.cameras.bitrate = bitrate
        configuration.cameras.framesPerSecond = framesPerSecond
        configuration.cameras.width = width
        configuration.cameras.height = height
        configuration.cameras.historyHours = historyHours
        configuration.cameras.burnedInText = burnedInText
        if let loginRetryAfter { configuration.authentication.loginRetryAfter = loginRetryAfter }
        return configuration
    }
}

/// The shared real console captures (`../shared/fixtures/uiprotect` beside the clone).
public enum SharedFixtures {
    /// The folder of the captures.
    public static let folder: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.deletingLastPathComponent().appendingPathComponent("shared/fixtures/uiprotect")
    }()
    /// A captured bootstrap.
    public static let bootstrap = folder.appendingPathComponent("sample_bootstrap.json").path
    /// Captured events.
    public static let events = folder.appendingPathComponent("sample_raw_events.json").path

    /// The JSON of the capture at `path`.
    public static func json(_ path: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
