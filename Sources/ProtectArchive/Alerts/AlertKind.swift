/// What an alert is about. A condition lasts (it is raised once and recovers once); a notice is a single message.
public enum AlertKind: String, Sendable, Codable, CaseIterable {
    /// A camera's newest footage safely in the archive is older than its threshold.
    case cameraStale = "camera-stale"
    /// The console itself says a camera is disconnected (it records nothing).
    case cameraDisconnected = "camera-disconnected"
    /// A camera the archive kept is no longer on the console.
    case cameraGone = "camera-gone"
    /// A camera appeared on the console (a notice).
    case cameraAdded = "camera-added"
    /// The console cannot be reached.
    case consoleUnreachable = "console-unreachable"
    /// The console refuses the login.
    case loginRefused = "login-refused"
    /// Passes fail (or hours in them fail) for another reason.
    case passFailing = "pass-failing"
    /// The console's realtime websocket is down (`watch`).
    case websocketDown = "websocket-down"
    /// The destination's free space is below the threshold.
    case destinationLow = "destination-low"
    /// The rclone remote fails.
    case remoteFailing = "remote-failing"
    /// `verify` found missing or altered files.
    case verifyProblems = "verify-problems"
    /// The console's oldest recording is close to the archive's oldest gap: footage not yet archived will be lost.
    case footageAtRisk = "footage-at-risk"
    /// Files were gone from the destination and fetched again (a notice).
    case filesRefetched = "files-refetched"
    /// The state does not belong to the destination it is pointed at.
    case stateMismatch = "state-mismatch"
    /// A damaged recording was kept short (a notice).
    case recordingDamaged = "recording-damaged"

    /// A notice is sent once and never recovers; a condition is raised and recovers.
    public var isNotice: Bool {
        switch self {
        case .cameraAdded, .filesRefetched, .recordingDamaged: return true
        default: return false
        }
    }

    /// A short title, such as "camera stale".
    public var title: String {
        switch self {
        case .cameraStale: return "camera stale"
        case .cameraDisconnected: return "camera disconnected"
        case .cameraGone: return "camera gone from the console"
        case .cameraAdded: return "camera added"
        case .consoleUnreachable: return "console unreachable"
        case .loginRefused: return "console refuses the login"
        case .passFailing: return "passes failing"
        case .websocketDown: return "websocket down"
        case .destinationLow: return "destination low on space"
        case .remoteFailing: return "remote failing"
        case .verifyProblems: return "verify found missing or altered files"
        case .footageAtRisk: return "footage at risk"
        case .filesRefetched: return "files gone from the destination fetched again"
        case .stateMismatch: return "state does not belong to this destination"
        case .recordingDamaged: return "damaged recording kept short"
        }
    }
}

/// One condition or notice: its kind and what it is about (a console, or a console's camera).
public struct AlertKey: Sendable, Hashable, Codable, Comparable {
    public var kind: AlertKind
    /// The console's name.
    public var console: String
    /// The camera's id, the file, or empty for the console itself.
    public var subject: String

    public init(_ kind: AlertKind, console: String, subject: String = "") {
        self.kind = kind
        self.console = console
        self.subject = subject
    }

    public static func < (a: AlertKey, b: AlertKey) -> Bool {
        (a.console, a.kind.rawValue, a.subject) < (b.console, b.kind.rawValue, b.subject)
    }
}
