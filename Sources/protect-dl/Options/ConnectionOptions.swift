import ArgumentParser
import Foundation
import Logging
import ProtectAPI
import ProtectArchive

/// How to reach, trust and log in to the console (the original downloader's options, and safer ones).
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Host name or IP address of the console (no https://, no port).")
    var address: String?
    @Option(help: "HTTPS port, 1-65535 (default: 443 for UniFi OS, 7443 for legacy consoles).")
    var port: Int?
    @Option(help: "Console generation: auto, legacy or unifi-os (--console legacy|unifi-os is read as this too).")
    var generation: ConsoleConfiguration.Generation = .automatic
    @OptionGroup var selection: ConfigSelectionGroup
    @Flag(help: "Verify the console's certificate against the system's certificate authorities.")
    var verifySsl = false
    @Option(help: "Verify the console's certificate against the CA certificate(s) in this PEM file.")
    var caCert: String?
    @Option(
        help:
            "Accept only the certificate with this SHA-256 fingerprint (AB:CD:..., SHA256 AB:CD:... or openssl's form)."
    )
    var pinSha256: String?
    @Option(help: "Username of a local console user.")
    var username: String?
    @Option(help: "Password (visible in the process list; prefer PROTECT_DL_PASSWORD, --password-file or the prompt).")
    var password: String?
    @Option(help: "Read the password from the first line of this file.")
    var passwordFile: String?

    /// Commands that talk to a console need its address and a user.
    func require() throws {
        guard let address else { throw ValidationError("Missing expected argument '--address <address>'.") }
        guard !address.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("--address is empty; give the console's host name or IP address.")
        }
        guard let username, !username.isEmpty else {
            throw ValidationError("Missing expected argument '--username <username>'.")
        }
    }

    func validate() throws {
        if let port, !(1...65535).contains(port) {
            throw ValidationError("--port must be 1 to 65535, not \(port).")
        }
        if let address { try Self.checkAddress(address) }
        if [verifySsl, caCert != nil, pinSha256 != nil].filter({ $0 }).count > 1 {
            throw ValidationError("Choose one of --verify-ssl, --ca-cert and --pin-sha256.")
        }
        if let pinSha256, CertificatePin.normalize(pinSha256) == nil {
            throw ValidationError(
                "--pin-sha256 must be a SHA-256 fingerprint: 64 hex digits, colons allowed (AB:CD:...), "
                    + "optionally after \"SHA256\" or openssl's \"sha256 Fingerprint=\".")
        }
        if password != nil && passwordFile != nil {
            throw ValidationError("Give the password once: --password or --password-file, not both.")
        }
    }

    /// An address is a host name or an IP address: a URL or a port in it is a usage error with a hint.
    static func checkAddress(_ address: String) throws {
        if let scheme = address.range(of: "://") {
            let rest = address[scheme.upperBound...].split(separator: "/").first.map(String.init) ?? ""
            var hint = "--address \(rest.isEmpty ? "HOST" : rest)"
            if rest.filter({ $0 == ":" }).count == 1, let colon = rest.firstIndex(of: ":") {
                hint = "--address \(rest[..<colon]) --port \(rest[rest.index(after: colon)...])"
            }
            throw ValidationError(
                "--address takes a host name or IP address, not a URL: try \(hint) (protect-dl always speaks HTTPS).")
        }
        if address.contains("/") {
            throw ValidationError("--address takes a host name or IP address, without a path.")
        }
        let colons = address.filter { $0 == ":" }.count
        if colons == 1 || (address.hasPrefix("[") && address.contains("]:")) {
            let parts = address.split(separator: ":", maxSplits: 1)
            throw ValidationError(
                "--address takes no port: try --address \(parts.first ?? "") --port \(parts.last ?? "").")
        }
    }

    func configuration(transfer: TransferOptionGroup? = nil) -> ConsoleConfiguration {
        var host = address ?? ""
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var configuration = ConsoleConfiguration(host: host, port: port)
        configuration.generation = generation
        if verifySsl { configuration.certificateCheck = .system }
        if let caCert { configuration.certificateCheck = .caFile(caCert) }
        if let pinSha256 { configuration.certificateCheck = .pinned(sha256: pinSha256) }
        transfer?.apply(to: &configuration)
        return configuration
    }

    /// The password from --password, PROTECT_DL_PASSWORD, --password-file, or a no-echo prompt.
    func credentials() throws -> Credentials {
        let username = self.username ?? ""
        let password = try self.passwordText(username: username)
        guard !password.isEmpty else {
            throw ValidationError("The password is empty; no login was attempted.")
        }
        return Credentials(username: username, password: password)
    }

    private func passwordText(username: String) throws -> String {
        if let password { return password }
        if let named = passwordFile {
            let passwordFile: String
            do {
                passwordFile = try PathVariables.expand(named, environment: ProcessInfo.processInfo.environment)
            } catch {
                throw ValidationError(
                    "The password file \(named) names ${\(error.name)}, which is not set"
                        + (error.name == "CREDENTIALS_DIRECTORY"
                            ? " (systemd sets it for a unit with LoadCredential=); " : "; ")
                        + "set it, or give the file's own path.")
            }
            guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                throw ValidationError("The password file \(passwordFile) cannot be read.")
            }
            // The first line, without its line ending (LF, CR LF or CR).
            return String(text.prefix { !$0.isNewline })
        }
        if isatty(STDIN_FILENO) == 1, let typed = getpass("Password for \(username): ") {
            return String(cString: typed)
        }
        throw ValidationError(
            "No password given: use PROTECT_DL_PASSWORD, --password-file, --password, or run in a terminal to be asked."
        )
    }
}
