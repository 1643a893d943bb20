import ArgumentParser
import Foundation
import Logging
import ProtectAPI

/// How to reach, trust and log in to the console (the original downloader's options, and safer ones).
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Host name or IP address of the console (required).")
    var address: String?
    @Option(help: "HTTPS port (default: 443 for UniFi OS, 7443 for legacy consoles).")
    var port: Int?
    @Option(help: "Console generation: auto, legacy or unifi-os.")
    var console: ConsoleConfiguration.Generation = .automatic
    @Flag(help: "Verify the console's certificate against the system's certificate authorities.")
    var verifySsl = false
    @Option(help: "Verify the console's certificate against the CA certificate(s) in this PEM file.")
    var caCert: String?
    @Option(help: "Accept only the certificate with this SHA-256 fingerprint (hex, colons optional).")
    var pinSha256: String?
    @Option(help: "Username of a local console user (required).")
    var username: String?
    @Option(help: "Password (visible in the process list; prefer PROTECT_DL_PASSWORD, --password-file or the prompt).")
    var password: String?
    @Option(help: "Read the password from the first line of this file.")
    var passwordFile: String?
    @Option(help: "Legacy consoles: downloads per access key.")
    var downloadsBeforeKeyRefresh = 3
    @Option(help: "Legacy consoles: downloads per login.")
    var downloadsBeforeAuthRefresh = 10
    @Option(help: "Seconds the console may stay silent before a request fails.")
    var downloadRequestTimeout: Double = 60

    /// Commands that talk to a console need its address and a user.
    func require() throws {
        guard let address, !address.isEmpty else {
            throw ValidationError("Missing expected argument '--address <address>'.")
        }
        guard let username, !username.isEmpty else {
            throw ValidationError("Missing expected argument '--username <username>'.")
        }
    }

    func validate() throws {
        if [verifySsl, caCert != nil, pinSha256 != nil].filter({ $0 }).count > 1 {
            throw ValidationError("Choose one of --verify-ssl, --ca-cert and --pin-sha256.")
        }
        if let pinSha256, pinSha256.filter(\.isHexDigit).count != 64 {
            throw ValidationError("--pin-sha256 must be a SHA-256 fingerprint: 64 hex digits, colons allowed.")
        }
        if downloadsBeforeKeyRefresh < 1 || downloadsBeforeAuthRefresh < 1 {
            throw ValidationError("The refresh counts must be at least 1.")
        }
        if downloadRequestTimeout <= 0 {
            throw ValidationError("--download-request-timeout must be a positive number of seconds.")
        }
    }

    var configuration: ConsoleConfiguration {
        var configuration = ConsoleConfiguration(host: address ?? "", port: port)
        configuration.generation = console
        if verifySsl { configuration.certificateCheck = .system }
        if let caCert { configuration.certificateCheck = .caFile(caCert) }
        if let pinSha256 { configuration.certificateCheck = .pinned(sha256: pinSha256) }
        configuration.legacyRefresh.downloadsBeforeKeyRefresh = downloadsBeforeKeyRefresh
        configuration.legacyRefresh.downloadsBeforeAuthRefresh = downloadsBeforeAuthRefresh
        configuration.timeouts.idleRead = downloadRequestTimeout
        return configuration
    }

    /// The password from --password, PROTECT_DL_PASSWORD, --password-file, or a no-echo prompt.
    func credentials() throws -> Credentials {
        let username = self.username ?? ""
        if let password { return Credentials(username: username, password: password) }
        if let value = ProcessInfo.processInfo.environment["PROTECT_DL_PASSWORD"] {
            return Credentials(username: username, password: value)
        }
        if let passwordFile {
            guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                throw ValidationError("The password file \(passwordFile) cannot be read.")
            }
            return Credentials(username: username, password: String(text.split(separator: "\n").first ?? ""))
        }
        if isatty(STDIN_FILENO) == 1, let typed = getpass("Password for \(username): ") {
            return Credentials(username: username, password: String(cString: typed))
        }
        throw ValidationError(
            "No password given: use PROTECT_DL_PASSWORD, --password-file, --password, or run in a terminal to be asked."
        )
    }
}

extension ConnectionOptions {
    /// Connects and logs in, runs `body`, and closes the connection whatever happens.
    func withClient<T>(logger: Logger, _ body: (ProtectClient) async throws -> T) async throws -> T {
        let client = try await ProtectClient.connect(
            configuration: configuration, credentials: try credentials(), logger: logger)
        do {
            let value = try await body(client)
            await client.shutdown()
            return value
        } catch {
            await client.shutdown()
            throw error
        }
    }
}

extension ConsoleConfiguration.Generation: ExpressibleByArgument {}
