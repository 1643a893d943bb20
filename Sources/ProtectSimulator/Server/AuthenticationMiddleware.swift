import Foundation
import HTTPTypes
import Hummingbird

/// Checks a request's session (or a legacy console's access key) before its handler, answering 401, 403 or the
/// login page when it fails, and leaves the headers a valid session adds in the context.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = ConsoleRequestContext

    /// What a group's requests are checked for.
    enum Scope: Sendable {
        /// A session, checked as a read whatever the method (`/api/users/self`, the websocket path, access keys).
        case session
        /// An API call's session (writes need the CSRF token), or the access key of a legacy console's video URL.
        case api
    }

    let state: ConsoleState
    let configuration: SimulatorConfiguration
    let scope: Scope

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        let query = QueryParameters(request.uri.query)
        if scope == .api, configuration.mode == .legacy, query.has("accessKey"), context.apiPath?.isVideo == true {
            guard await state.useAccessKey(query.first("accessKey") ?? "") else {
                return ConsoleRoutes.json(
                    .unauthorized, #"{"code":"AUTHENTICATION_FAILED","message":"Invalid access key"}"#)
            }
            return try await next(request, context)
        }
        let isWrite = scope == .api && request.method != .get && request.method != .head
        let check = await state.useSession(
            token: Self.sessionToken(of: request, configuration: configuration),
            csrf: request.headers[ConsoleRoutes.csrfHeader], isWrite: isWrite)
        switch check {
        case .valid(_, let rotated):
            if let rotated { context.sessionHeaders[ConsoleRoutes.updatedCSRFHeader] = rotated }
            return try await next(request, context)
        case .badCSRF:
            return ConsoleRoutes.json(.forbidden, #"{"code":"CSRF_TOKEN_INVALID","message":"Invalid CSRF token"}"#)
        case .expired where configuration.authentication.expiredSessionAnswer == .loginPage:
            return ConsoleRoutes.loginPageResponse()
        case .missing, .expired:
            return ConsoleRoutes.json(
                .unauthorized, #"{"code":"AUTHENTICATION_FAILED","message":"Authentication required"}"#)
        }
    }

    /// The session a request carries: a legacy console's `Authorization` token, a UniFi OS console's cookie.
    static func sessionToken(of request: Request, configuration: SimulatorConfiguration) -> String? {
        if configuration.mode == .legacy {
            guard let value = request.headers[.authorization] else { return nil }
            return value.hasPrefix("Bearer ") ? String(value.dropFirst(7)) : value
        }
        return cookie(named: configuration.authentication.cookieName, in: request.headers)
    }

    /// The value of the cookie `name` among a request's `Cookie` headers (the session of a UniFi OS console).
    static func cookie(named name: String, in headers: HTTPFields) -> String? {
        for header in headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }
}

/// Adds a valid session's headers (a rotated CSRF token) after those of the API handler's answer; a fault's answer,
/// which comes before the handler, gets none.
struct SessionHeadersMiddleware: RouterMiddleware {
    typealias Context = ConsoleRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        for field in context.sessionHeaders { response.headers.append(field) }
        return response
    }
}
