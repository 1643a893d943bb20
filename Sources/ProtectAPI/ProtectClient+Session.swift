import AsyncHTTPClient
import Foundation
import NIOHTTP1

extension ProtectClient {
    /// Headers and query items that authenticate one request, and the session they belong to.
    struct Authorization: Sendable {
        var headers: [(String, String)] = []
        var query: [(String, String)] = []
        var session: Int
    }

    func authorization(forExport: Bool) async throws -> Authorization {
        if generation == .legacy {
            if forExport {
                // Concurrent callers share one login and one key fetch: each re-checks after waiting.
                while downloadsSinceLogin >= configuration.legacyRefresh.downloadsBeforeAuthRefresh {
                    try await sharedLogin()
                }
                while accessKey == nil || downloadsSinceKey >= configuration.legacyRefresh.downloadsBeforeKeyRefresh {
                    try await sharedAccessKey()
                }
                downloadsSinceKey += 1
                downloadsSinceLogin += 1
                return Authorization(query: [("accessKey", accessKey ?? "")], session: sessionNumber)
            }
            return Authorization(headers: [("Authorization", "Bearer \(bearer ?? "")")], session: sessionNumber)
        }
        if let cookieExpiry, cookieExpiry.timeIntervalSinceNow < 60 {
            logger.debug("The session expires soon; logging in again.")
            try await sharedLogin()
        }
        var headers = [("Cookie", cookie ?? "")]
        if let csrfToken { headers.append(("X-CSRF-Token", csrfToken)) }
        return Authorization(headers: headers, session: sessionNumber)
    }

    /// Logs in again, or waits for the login another caller already started.
    func sharedLogin() async throws {
        if let loginInFlight { return try await loginInFlight.value }
        let task = Task { try await self.loginAndForget() }
        loginInFlight = task
        try await task.value
    }

    /// Fetches a new access key, or waits for the fetch another caller already started.
    func sharedAccessKey() async throws {
        if let accessKeyInFlight { return try await accessKeyInFlight.value }
        let task = Task { try await self.fetchAccessKeyAndForget() }
        accessKeyInFlight = task
        try await task.value
    }

    // The in-flight task clears itself on the actor as it ends, so a caller never waits on a task that already
    // ended (which would spin instead of fetching again).
    func loginAndForget() async throws {
        defer { loginInFlight = nil }
        try await login()
    }

    func fetchAccessKeyAndForget() async throws {
        defer { accessKeyInFlight = nil }
        try await fetchAccessKey()
    }

    func fetchAccessKey() async throws {
        var request = HTTPClientRequest(url: baseURL + "/api/auth/access-key")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(bearer ?? "")")
        var response = try await Transport.execute(http, request, timeout: configuration.timeouts.idleRead)
        var text = try await Transport.collect(response)
        if response.status.code == 401 {
            try await sharedLogin()
            request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(bearer ?? "")")
            response = try await Transport.execute(http, request, timeout: configuration.timeouts.idleRead)
            text = try await Transport.collect(response)
        }
        guard response.status.code == 200,
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let key = object["accessKey"] as? String
        else {
            throw ProtectError.accessKeyFailed(
                status: Int(response.status.code), reason: Transport.reason(from: text, response.headers))
        }
        accessKey = key
        downloadsSinceKey = 0
        logger.debug("Fetched a new access key.")
    }

    /// After a 401 or a login page: logs in again unless another request already did since `session`.
    func sessionRejected(_ session: Int) async throws {
        if let loginInFlight { return try await loginInFlight.value }
        guard session == sessionNumber else { return }
        logger.info("The console ended the session; logging in again.")
        accessKey = nil
        try await sharedLogin()
    }

    func responseReceived(_ headers: HTTPHeaders) {
        if generation == .unifiOS { absorb(headers) }
    }
}
