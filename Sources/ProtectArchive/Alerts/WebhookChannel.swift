import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// A generic webhook: the payload's JSON POSTed to a URL; with a secret, signed in `X-Protect-DL-Signature`
/// (`sha256=` and the hex HMAC-SHA256 of the body under the secret).
public struct WebhookChannel: AlertChannel {
    public static let signatureHeader = "X-Protect-DL-Signature"

    public var url: String
    public var secret: String?
    public var timeout: Double

    public init(url: String, secret: String? = nil, timeout: Double = 10) {
        self.url = url
        self.secret = secret
        self.timeout = timeout
    }

    public var label: String { "webhook \(SecretText.url(url))" }

    /// The signature header's value for `body` under `secret`.
    public static func signature(_ body: Data, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }

    public func send(_ payload: AlertPayload) async throws {
        let body = payload.json()
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "User-Agent", value: "protect-dl")
        if let secret, !secret.isEmpty {
            headers.add(name: Self.signatureHeader, value: Self.signature(body, secret: secret))
        }
        try await HTTPPost.send(url: url, headers: headers, body: body, timeout: timeout, label: label)
    }
}

/// One POST through the shared HTTP client; anything but a 2xx answer is a failure that names the status.
enum HTTPPost {
    static func send(url: String, headers: HTTPHeaders, body: Data, timeout: Double, label: String) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers = headers
        request.body = .bytes(ByteBuffer(data: body))
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
        } catch {
            throw AlertChannelError(channel: label, reason: "cannot reach it (\(Self.describe(error)))")
        }
        _ = try? await response.body.collect(upTo: 1 << 16)
        guard (200..<300).contains(response.status.code) else {
            throw AlertChannelError(channel: label, reason: "it answered HTTP \(response.status.code)")
        }
    }

    /// A connection failure in a few words, never the URL (it may hold a token).
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error.shortDescription)" }
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("refused") { return "connection refused" }
        if text.contains("timeout") || text.contains("Timeout") { return "timed out" }
        return "connection failed"
    }
}
