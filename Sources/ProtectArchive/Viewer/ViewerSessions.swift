import Foundation
import Hummingbird
import Synchronization

/// The viewer's logged-in sessions: random tokens kept in memory (a restart logs everyone out).
final class ViewerSessions: Sendable {
    private let tokens = Mutex<Set<String>>([])

    /// A new session's token.
    func open() -> String {
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }
            .joined()
        tokens.withLock { _ = $0.insert(token) }
        return token
    }

    func isOpen(_ token: String) -> Bool { tokens.withLock { $0.contains(token) } }
}

/// Asks for the password before anything else: `POST /login` with it opens a session (an HttpOnly, SameSite=Strict
/// cookie); a wrong one waits `failureDelay` first. A script may send the password as a bearer token instead.
struct ViewerLoginMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    static let cookie = "protect_dl_session"

    let password: String
    let sessions: ViewerSessions
    let failureDelay: Duration

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if request.uri.path == "/app.css" { return try await next(request, context) }
        if request.uri.path == "/login" {
            guard request.method == .post else { return ViewerServer.text(.ok, ViewerPage.login, type: Self.html) }
            let body = try await request.body.collect(upTo: 4096)
            let form = String(buffer: body)
            let given = form.split(separator: "&").first { $0.hasPrefix("password=") }.map {
                String($0.dropFirst(9)).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard let given, Self.same(given, password) else {
                try await Task.sleep(for: failureDelay)
                return ViewerServer.text(.unauthorized, ViewerPage.login, type: Self.html)
            }
            let token = sessions.open()
            return Response(
                status: .seeOther,
                headers: [
                    .location: "/",
                    .setCookie: "\(Self.cookie)=\(token); Path=/; HttpOnly; SameSite=Strict",
                ])
        }
        if let bearer = request.headers[.authorization], bearer.hasPrefix("Bearer ") {
            guard Self.same(String(bearer.dropFirst(7)), password) else {
                try await Task.sleep(for: failureDelay)
                return ViewerServer.text(.unauthorized, "wrong token")
            }
            return try await next(request, context)
        }
        let cookies = request.headers[values: .cookie].flatMap { $0.split(separator: ";") }
        let token = cookies.lazy.map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix(Self.cookie + "=") }.map { String($0.dropFirst(Self.cookie.count + 1)) }
        if let token, sessions.isOpen(token) { return try await next(request, context) }
        if request.uri.path == "/" { return Response(status: .seeOther, headers: [.location: "/login"]) }
        return ViewerServer.text(.unauthorized, "log in first")
    }

    static let html = "text/html; charset=utf-8"

    /// Compares in time that does not depend on where the texts differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<max(x.count, y.count) {
            difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
        }
        return difference == 0
    }
}

/// Headers on every answer: no framing by other sites, no sniffing, and scripts only from the viewer itself.
struct ViewerHeadersMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.contentSecurityPolicy] =
            "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self'; frame-ancestors 'none'"
        return response
    }
}
