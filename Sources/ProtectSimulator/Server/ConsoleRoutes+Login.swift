import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension ConsoleRoutes {
    /// A login of either generation: a UniFi OS console answers a session cookie and CSRF token, a legacy console a
    /// bearer token in `Authorization`; both limit the logins per minute (429 with `Retry-After`).
    func login(_ request: Request) async -> Response {
        var request = request
        guard let body = try? await request.collectBody(upTo: 65_536),
            let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
            let username = object["username"] as? String, let password = object["password"] as? String
        else {
            return Self.json(.badRequest, #"{"code":"BAD_REQUEST","message":"username and password are required"}"#)
        }
        switch await state.login(username: username, password: password) {
        case .rateLimited(let retryAfter):
            var response = Self.json(
                .tooManyRequests,
                #"{"code":"AUTHENTICATION_FAILED_LIMIT_REACHED","message":"You've reached the login attempt limit","level":"debug"}"#
            )
            response.headers[Self.retryAfterHeader] = String(retryAfter)
            return response
        case .needsSecondFactor:
            return Self.json(
                HTTPResponse.Status(code: 499, reasonPhrase: "MFA Required"),
                #"{"code":"MFA_AUTH_REQUIRED","message":"MFA token required to authenticate to SSO","data":{"required":"2fa"}}"#
            )
        case .invalidCredentials:
            let code =
                configuration.mode == .unifiOS ? "AUTHENTICATION_FAILED_INVALID_CREDENTIALS" : "AUTHENTICATION_FAILED"
            return Self.json(.unauthorized, #"{"code":"\#(code)","message":"Invalid username or password"}"#)
        case .success(let session):
            let user = #"{"unique_id":"5f1c9a2b3c4d5e6f7a8b9c0d","username":"\#(username)","isOwner":false}"#
            var headers: HTTPFields = [:]
            if configuration.mode == .unifiOS {
                headers[.setCookie] =
                    "\(configuration.authentication.cookieName)=\(session.token); path=/; samesite=none; secure; httponly"
                headers[Self.csrfHeader] = session.csrfToken
                headers[Self.updatedCSRFHeader] = session.csrfToken
            } else {
                headers[.authorization] = session.token
            }
            return Self.json(.ok, user, headers)
        }
    }

    /// `GET /`: the web login page (a UniFi OS console sends a CSRF token with it).
    func rootPage() -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        if configuration.mode == .unifiOS { headers[Self.csrfHeader] = UUID().uuidString.lowercased() }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: Self.loginPage)))
    }

    static func loginPageResponse() -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: loginPage)))
    }

    /// The console's web login page, as served instead of data when a session has expired on some versions.
    static let loginPage = """
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,\
        initial-scale=1"><title>UniFi OS</title><link rel="icon" href="/favicon.ico"><link href="/assets/app.css" \
        rel="stylesheet"></head><body><noscript>You need to enable JavaScript to run this app.</noscript><div id="root">\
        <div class="login"><form method="post" action="/api/auth/login"><input name="username" autocomplete="username">\
        <input name="password" type="password" autocomplete="current-password"><button type="submit">Sign In</button>\
        </form></div></div><script src="/assets/runtime.js"></script><script src="/assets/vendor.js"></script>\
        <script src="/assets/main.js"></script></body></html>

        """
}
