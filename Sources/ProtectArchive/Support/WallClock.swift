import Foundation

/// The wall clock in milliseconds since 1970, injectable so tests never depend on the hour they run in.
public struct WallClock: Sendable {
    public let now: @Sendable () -> Int64

    public init(now: @escaping @Sendable () -> Int64) { self.now = now }

    /// The system's clock.
    public static let system = WallClock { Int64(Date().timeIntervalSince1970 * 1000) }
    /// A clock that always shows `milliseconds`.
    public static func fixed(_ milliseconds: Int64) -> WallClock { WallClock { milliseconds } }
}
