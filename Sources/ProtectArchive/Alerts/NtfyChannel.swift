import Foundation
import NIOHTTP1

/// An ntfy topic over HTTP (`https://ntfy.sh/TOPIC` or a server of one's own): the message as the body, the title,
/// priority and tags as headers; credentials from the URL (`https://user:pass@host/topic`) or a token.
public struct NtfyChannel: AlertChannel {
    public var url: String
    public var token: String?
    public var timeout: Double

    public init(url: String, token: String? = nil, timeout: Double = 10) {
        self.url = url
        self.token = token
        self.timeout = timeout
    }

    public var label: String { "ntfy \(SecretText.url(url))" }

    /// The URL without its credentials, and a Basic authorization made of them.
    static func split(_ url: String) -> (url: String, basic: String?) {
        guard let scheme = url.range(of: "://") else { return (url, nil) }
        let rest = url[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" }
        guard let at = authority.lastIndex(of: "@") else { return (url, nil) }
        let credentials = String(authority[..<at]).removingPercentEncoding ?? String(authority[..<at])
        let plain = String(url[..<scheme.upperBound]) + rest[rest.index(after: at)...]
        return (plain, Data(credentials.utf8).base64EncodedString())
    }

    public func send(_ payload: AlertPayload) async throws {
        let (plain, basic) = Self.split(url)
        var headers = HTTPHeaders()
        headers.add(name: "Title", value: payload.title)
        let urgent = payload.event == "raised"
        headers.add(name: "Priority", value: urgent ? "high" : "default")
        let tag =
            switch payload.event {
            case "recovered": "white_check_mark"
            case "raised", "reminder": "warning"
            default: "information_source"
            }
        headers.add(name: "Tags", value: "\(tag),protect-dl")
        headers.add(name: "User-Agent", value: "protect-dl")
        if let token, !token.isEmpty {
            headers.add(name: "Authorization", value: "Bearer \(token)")
        } else if let basic {
            headers.add(name: "Authorization", value: "Basic \(basic)")
        }
        try await HTTPPost.send(
            url: plain, headers: headers, body: Data(payload.message.utf8), timeout: timeout, label: label)
    }
}
