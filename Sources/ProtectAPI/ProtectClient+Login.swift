import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

extension ProtectClient {
    /// Logs in (again), honouring the console's rate limit.
    func login() async throws {
        try await configuration.loginRetryPolicy.run(
            decide: { error, _ in (error as? ProtectError)?.kind == .loginRateLimited ? .retry : .fail },
            onRetry: { _, _, wait in
                logger.warning("The console limits logins; waiting \(Int(wait)) s before trying again.")
            },
            { _ in try await loginOnce() })
    }

    func loginOnce() async throws {
        let path = generation == .legacy ? "/api/auth" : "/api/auth/login"
        var payload: [String: Any] = ["username": credentials.username, "password": credentials.password]
        if generation == .unifiOS {
            payload["rememberMe"] = true
            payload["token"] = ""
        }
        let body = try JSONSerialization.data(withJSONObject: payload)
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let csrfToken { request.headers.add(name: "X-CSRF-Token", value: csrfToken) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await Transport.execute(http, request, timeout: configuration.timeouts.idleRead)
        let text = try await Transport.collect(response)
        switch response.status.code {
        case 200:
            break
        case 429:
            throw ProtectError.loginRateLimited(
                retryAfter: response.headers.first(name: "Retry-After").flatMap(Double.init))
        case 499:
            throw ProtectError.secondFactorRequired(reason: Transport.reason(from: text, response.headers))
        default:
            throw ProtectError.loginFailed(
                status: Int(response.status.code), reason: Transport.reason(from: text, response.headers))
        }
        if generation == .legacy {
            guard let token = response.headers.first(name: "Authorization"), !token.isEmpty else {
                throw ProtectError.loginFailed(status: 200, reason: "the console sent no Authorization token")
            }
            bearer = token.hasPrefix("Bearer ") ? String(token.dropFirst(7)) : token
            accessKey = nil
            downloadsSinceLogin = 0
        } else {
            absorb(response.headers)
            guard cookie != nil else {
                throw ProtectError.loginFailed(status: 200, reason: "the console set no session cookie")
            }
        }
        sessionNumber += 1
        loginCount += 1
        logger.debug("Logged in to the \(generation.rawValue) console as \(credentials.username).")
    }

    /// Keeps the newest cookie and CSRF token from any response.
    func absorb(_ headers: HTTPHeaders) {
        for value in headers[canonicalForm: "Set-Cookie"] {
            let pair = value.split(separator: ";", maxSplits: 1)[0]
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            guard name == "TOKEN" || name == "UOS_TOKEN" else { continue }
            cookie = "\(name)=\(parts[1])"
            cookieExpiry = Self.jwtExpiry(String(parts[1]))
        }
        if let updated = headers.first(name: "X-Updated-CSRF-Token") ?? headers.first(name: "X-CSRF-Token") {
            csrfToken = updated
        }
    }

    /// Reads `exp` from a JWT without checking its signature.
    static func jwtExpiry(_ token: String) -> Date? {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return nil }
        var payload = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while payload.count % 4 != 0 { payload += "=" }
        guard let data = Data(base64Encoded: payload),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let exp = object["exp"] as? Double
        else { return nil }
        return Date(timeIntervalSince1970: exp)
    }
}
