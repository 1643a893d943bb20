import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// A logged-in connection to one console, of either generation.
///
/// Session state (bearer token and access key, or cookie and CSRF token) lives in the actor; requests and
/// bodies run outside it, so parallel downloads do not queue behind each other.
public actor ProtectClient {
    public nonisolated let configuration: ConsoleConfiguration
    /// The generation in use (detected or forced).
    public nonisolated let generation: ConsoleConfiguration.Generation
    /// The port in use.
    public nonisolated let port: Int
    nonisolated let http: HTTPClient
    /// The TLS settings of every connection (the websocket's too).
    nonisolated let tls: TLSConfiguration
    nonisolated let credentials: Credentials
    nonisolated let logger: Logger
    nonisolated let baseURL: String
    /// Upper-case hex SHA-256 of the console's certificate, as the first connection saw it.
    public nonisolated let certificateFingerprint: String

    private var bearer: String?
    private var accessKey: String?
    private var downloadsSinceKey = 0
    private var downloadsSinceLogin = 0
    private var cookie: String?
    private var cookieExpiry: Date?
    private var csrfToken: String?
    /// Increases with every login, so that concurrent 401s cause one re-login, not many.
    private var sessionNumber = 0
    /// Logins made so far.
    public private(set) var loginCount = 0

    nonisolated var apiPrefix: String { generation == .legacy ? "/api/" : "/proxy/protect/api/" }

    init(
        configuration: ConsoleConfiguration, generation: ConsoleConfiguration.Generation, port: Int,
        http: HTTPClient, tls: TLSConfiguration, credentials: Credentials, logger: Logger, fingerprint: String
    ) {
        self.tls = tls
        self.certificateFingerprint = fingerprint
        self.configuration = configuration
        self.generation = generation
        self.port = port
        self.http = http
        self.credentials = credentials
        self.logger = logger
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        self.baseURL = "https://\(host):\(port)"
    }

    /// Connects to the console: checks its certificate, detects its generation when asked, and logs in.
    public static func connect(
        configuration: ConsoleConfiguration, credentials: Credentials, logger: Logger
    ) async throws -> ProtectClient {
        let (port, leaf) = try await Transport.reach(configuration: configuration)
        let fingerprint = try Transport.fingerprintHex(leaf)
        logger.info("The console's certificate has the SHA-256 fingerprint \(CertificatePin.display(fingerprint)).")
        let tls = try Transport.tlsConfiguration(configuration: configuration, leaf: leaf)
        let http = Transport.makeHTTPClient(configuration: configuration, tls: tls, logger: logger)
        do {
            let generation = try await Transport.detectGeneration(
                http: http, configuration: configuration, port: port, logger: logger)
            let client = ProtectClient(
                configuration: configuration, generation: generation, port: port, http: http, tls: tls,
                credentials: credentials, logger: logger, fingerprint: fingerprint)
            try await client.login()
            return client
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// Closes the connections.
    public func shutdown() async {
        try? await http.shutdown()
    }

    // MARK: Login

    /// Logs in (again), honouring the console's rate limit.
    func login() async throws {
        var attempt = 0
        while true {
            do {
                try await loginOnce()
                return
            } catch LoginRetry.rateLimited(let retryAfter) {
                attempt += 1
                guard attempt <= configuration.loginRateLimitRetries else {
                    throw ProtectError.loginRateLimited(retryAfter: retryAfter)
                }
                let wait = min(retryAfter ?? Double(10 * attempt), configuration.maximumRetryAfter)
                logger.warning("The console limits logins; waiting \(Int(wait)) s before trying again.")
                try await Task.sleep(for: .seconds(wait))
            }
        }
    }

    enum LoginRetry: Error {
        case rateLimited(Double?)
    }

    private func loginOnce() async throws {
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
            throw LoginRetry.rateLimited(response.headers.first(name: "Retry-After").flatMap(Double.init))
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
    private func absorb(_ headers: HTTPHeaders) {
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

    // MARK: Session for a request

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

    private var loginInFlight: Task<Void, any Error>?
    private var accessKeyInFlight: Task<Void, any Error>?

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
    private func loginAndForget() async throws {
        defer { loginInFlight = nil }
        try await login()
    }

    private func fetchAccessKeyAndForget() async throws {
        defer { accessKeyInFlight = nil }
        try await fetchAccessKey()
    }

    private func fetchAccessKey() async throws {
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

    // MARK: Requests

    /// Sends an authenticated request; on a 401 (or a login page) logs in again and retries once.
    nonisolated func send(
        _ path: String, query: [(String, String)] = [], forExport: Bool = false
    ) async throws -> HTTPClientResponse {
        var retried = false
        while true {
            let auth = try await authorization(forExport: forExport)
            var request = HTTPClientRequest(url: baseURL + apiPrefix + path + Transport.encode(query + auth.query))
            for (name, value) in auth.headers { request.headers.add(name: name, value: value) }
            let response = try await Transport.execute(http, request, timeout: configuration.timeouts.idleRead)
            await responseReceived(response.headers)
            let contentType = response.headers.first(name: "Content-Type") ?? ""
            let isLoginPage = response.status.code == 200 && contentType.hasPrefix("text/html")
            if response.status.code == 401 || (isLoginPage && generation == .unifiOS) {
                // The body is read here and only here: a response body has one reader.
                let text = (try? await Transport.collect(response)) ?? ""
                if !retried {
                    retried = true
                    try await sessionRejected(auth.session)
                    continue
                }
                if isLoginPage {
                    throw ProtectError.unexpectedContent(contentType: "an HTML page", request: Self.describe(path))
                }
                throw ProtectError.httpError(
                    status: 401, reason: Transport.reason(from: text, response.headers) + " (again after a new login)",
                    request: Self.describe(path))
            }
            return response
        }
    }

    static func describe(_ path: String) -> String {
        path.hasPrefix("video/") ? "the export" : "GET \(path)"
    }

    /// `GET bootstrap`: cameras and console.
    public nonisolated func bootstrap() async throws -> Bootstrap {
        try await getJSON("bootstrap", as: Bootstrap.self)
    }

    nonisolated func getJSON<T: Decodable & Sendable>(_ path: String, query: [(String, String)] = [], as type: T.Type)
        async throws
        -> T
    {
        try await withAPIRetries(path) { try await getJSONOnce(path, query: query, as: type) }
    }

    /// Runs an API call again after a 5xx, 429 or network failure, with exponential back-off.
    nonisolated func withAPIRetries<T: Sendable>(_ path: String, _ call: () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await call()
            } catch {
                attempt += 1
                guard attempt <= configuration.apiRetries.count, ProtectError.isTransient(error, within: .request)
                else { throw error }
                var delay = configuration.apiRetries.delay * pow(2, Double(attempt - 1))
                if case ProtectError.consoleBusy(_, _, let retryAfter?) = error {
                    delay = max(delay, min(retryAfter, configuration.maximumRetryAfter))
                }
                logger.info("GET \(path) failed (\(error.localizedDescription)); trying again in \(delay) s.")
                try await Task.sleep(for: .seconds(delay))
            }
        }
    }

    nonisolated func getJSONOnce<T: Decodable & Sendable>(_ path: String, query: [(String, String)], as type: T.Type)
        async throws -> T
    {
        let response = try await send(path, query: query)
        let text = try await Transport.collect(response, limit: 64 * 1024 * 1024)
        guard response.status.code == 200 else {
            throw Transport.failure(
                status: Int(response.status.code), reason: Transport.reason(from: text, response.headers),
                headers: response.headers, request: Self.describe(path))
        }
        let contentType = response.headers.first(name: "Content-Type") ?? ""
        if contentType.hasPrefix("text/html") {
            throw ProtectError.unexpectedContent(contentType: "an HTML page", request: Self.describe(path))
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw ProtectError.invalidResponse(reason: "\(path): \(error)")
        }
    }

    /// One page of `GET events`, oldest first.
    public nonisolated func events(_ query: EventQuery) async throws -> [Event] {
        try await getJSON("events", query: query.queryItems, as: [Event].self)
    }

    /// One event by its id (`GET events/<id>`), for updates about events the listener never saw start.
    public nonisolated func event(id: String) async throws -> Event {
        try await getJSON("events/\(id)", query: [], as: Event.self)
    }

    /// Fetches an image (at most 32 MiB); a console answer other than 200 is `ProtectError.httpError`.
    public nonisolated func image(_ image: ImageRequest) async throws -> Data {
        let response = try await send(image.path, query: image.queryItems)
        let data: Data
        do {
            data = Data(try await response.body.collect(upTo: 32 * 1024 * 1024).readableBytesView)
        } catch {
            throw Transport.translate(error)
        }
        guard response.status.code == 200 else {
            throw ProtectError.httpError(
                status: Int(response.status.code),
                reason: Transport.reason(from: String(decoding: data, as: UTF8.self), response.headers),
                request: Self.describe(image.path))
        }
        let contentType = response.headers.first(name: "Content-Type") ?? ""
        if contentType.hasPrefix("text/html") || contentType.hasPrefix("application/json") {
            throw ProtectError.unexpectedContent(
                contentType: contentType.hasPrefix("text/html") ? "an HTML page" : "JSON",
                request: Self.describe(image.path))
        }
        return data
    }

    /// Exports recorded video and hands its body to `consume`; a range without footage is `.noFootage`.
    public nonisolated func withExport<T: Sendable>(
        _ export: ExportRequest, _ consume: @Sendable (ExportBody) async throws -> T
    ) async throws -> ExportOutcome<T> {
        let path = await exportPath
        if path == .twoStep { return try await twoStepExport(export, consume) }
        await countOneStep(+1)
        var alone = false
        let result: Result<ExportOutcome<T>, any Error>
        do {
            let response = try await send("video/export", query: export.queryItems, forExport: true)
            if response.status.code == 200 { await decideExportPath(.oneStep) }
            alone = await oneStepInFlight == 1
            result = .success(try await handleExport(response, consume))
        } catch {
            result = .failure(error)
        }
        await countOneStep(-1)
        switch result {
        case .success(let outcome):
            return outcome
        case .failure(ProtectError.consoleBusy(500, let reason, nil)) where path == .undecided && alone:
            // Some firmware's one-step export fails for every request while the web UI's two-step path works. A
            // 500 while no other export of ours runs is not our own overload: try the two-step path once; if it
            // works, use it for the rest of the run.
            do {
                let outcome = try await twoStepExport(export, consume)
                await decideExportPath(.twoStep)
                return outcome
            } catch let error as CancellationError {
                throw error
            } catch {
                await decideExportPath(.oneStep)
                throw ProtectError.consoleBusy(status: 500, reason: reason, retryAfter: nil)
            }
        case .failure(let error):
            throw error
        }
    }

    /// One-step exports of this client in flight.
    private(set) var oneStepInFlight = 0

    func countOneStep(_ change: Int) { oneStepInFlight += change }

    /// Which export path this console gets: undecided until an export succeeds or the fallback was tried.
    enum ExportPath: Sendable {
        case undecided, oneStep, twoStep
    }

    private(set) var exportPath = ExportPath.undecided

    func decideExportPath(_ path: ExportPath) {
        guard exportPath == .undecided else { return }
        exportPath = path
        if path == .twoStep {
            logger.warning(
                "This console's one-step video export fails while the two-step export (prepare, then download) works; using the two-step export for the rest of the run."
            )
        }
    }

    /// The web UI's export: `video/prepare` names a file, `video/download` streams it.
    nonisolated func twoStepExport<T: Sendable>(
        _ export: ExportRequest, _ consume: @Sendable (ExportBody) async throws -> T
    ) async throws -> ExportOutcome<T> {
        var query = export.queryItems
        if !query.contains(where: { $0.0 == "type" }) { query.append(("type", "rotating")) }
        query.append(("filename", "protect-dl-\(export.cameraID)-\(export.start)-\(export.end).mp4"))
        let prepared = try await send("video/prepare", query: query, forExport: true)
        let text = try await Transport.collect(prepared)
        guard prepared.status.code == 200 else {
            return try Self.exportFailure(
                status: Int(prepared.status.code), text: text, headers: prepared.headers,
                request: "the export's preparation")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let fileName = object["fileName"] as? String
        else {
            throw ProtectError.invalidResponse(reason: "video/prepare gave no fileName")
        }
        return try await handleExport(
            try await send(
                "video/download", query: [("camera", export.cameraID), ("filename", fileName)], forExport: true),
            consume)
    }

    /// An export step answered other than 200: the console's "no footage", or the error it is.
    static func exportFailure<T: Sendable>(status: Int, text: String, headers: HTTPHeaders, request: String) throws
        -> ExportOutcome<T>
    {
        let reason = Transport.reason(from: text, headers)
        if status == 500 && Transport.meansNoFootage(reason) { return .noFootage(reason: reason) }
        throw Transport.failure(status: status, reason: reason, headers: headers, request: request)
    }

    /// Reads an export's answer: footage handed to `consume`, no footage, or the error it is.
    nonisolated func handleExport<T: Sendable>(
        _ response: HTTPClientResponse, _ consume: @Sendable (ExportBody) async throws -> T
    ) async throws -> ExportOutcome<T> {
        let contentType = response.headers.first(name: "Content-Type") ?? ""
        guard response.status.code == 200 else {
            return try Self.exportFailure(
                status: Int(response.status.code), text: try await Transport.collect(response),
                headers: response.headers, request: "the export")
        }
        if contentType.hasPrefix("text/html") || contentType.hasPrefix("application/json") {
            _ = try? await Transport.collect(response)
            throw ProtectError.unexpectedContent(
                contentType: contentType.hasPrefix("text/html") ? "an HTML page" : "JSON", request: "the export")
        }
        let length = response.headers.first(name: "Content-Length").flatMap { Int64($0) }
        return .footage(try await consume(ExportBody(base: response.body, contentLength: length)))
    }
}

/// The result of an export: footage, or the console's word that the range holds none.
public enum ExportOutcome<Value: Sendable>: Sendable {
    case footage(Value)
    case noFootage(reason: String)
}

/// The streamed body of an export, chunk by chunk, with back-pressure.
public struct ExportBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let base: HTTPClientResponse.Body
    /// The announced size, when the console sent `Content-Length`.
    public let contentLength: Int64?

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator()) }

    /// Reads the next chunk; transport failures become `ProtectError.network`.
    public struct Iterator: AsyncIteratorProtocol {
        var base: HTTPClientResponse.Body.AsyncIterator
        public mutating func next() async throws -> ByteBuffer? {
            do {
                return try await base.next()
            } catch {
                throw Transport.translate(error)
            }
        }
    }
}
