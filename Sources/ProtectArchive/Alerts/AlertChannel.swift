import Foundation

/// Somewhere alerts go: a webhook, an ntfy topic, a command, apprise's URLs.
public protocol AlertChannel: Sendable {
    /// The channel as logs and `notify test` name it: never a secret (see `SecretText.url`).
    var label: String { get }
    /// Delivers one message; throws `AlertChannelError` when it was not accepted.
    func send(_ payload: AlertPayload) async throws
}

/// A channel did not take a message.
public struct AlertChannelError: Error, LocalizedError, Sendable {
    public var channel: String
    public var reason: String

    public init(channel: String, reason: String) {
        self.channel = channel
        self.reason = reason
    }

    public var errorDescription: String? { "\(channel) did not take the alert: \(reason)" }
}

/// Hides the secrets a notification URL may carry, for logs and `config show`.
public enum SecretText {
    /// `https://user:pass@host/path?token=x` → `https://***@host/***`: the scheme and host stay, credentials, path
    /// and query (where webhooks and apprise keep tokens) go. A URL without a host (`tgram://TOKEN/CHAT`) keeps its
    /// scheme only.
    public static func url(_ text: String) -> String {
        guard let scheme = text.range(of: "://") else { return "***" }
        let prefix = String(text[..<scheme.upperBound])
        let rest = text[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let tail = rest.dropFirst(authority.count)
        var host = String(authority)
        if let at = host.lastIndex(of: "@") {
            host = "***@" + host[host.index(after: at)...]
        }
        // Schemes whose "host" is a token (apprise's services) keep nothing past the scheme.
        if !["http://", "https://", "ntfy://", "ntfys://", "json://", "jsons://", "mailto://", "mailtos://"].contains(
            prefix.lowercased())
        {
            return prefix + "***"
        }
        let hidden = tail.isEmpty || tail == "/" ? String(tail) : "/***"
        return prefix + host + hidden
    }
}
