import ArgumentParser
import Foundation
import Logging
import ProtectAPI

extension ConnectionOptions {
    /// Connects and logs in, runs `body`, and closes the connection whatever happens. Without any certificate
    /// check a notice says how to pin the console's certificate (unless `quiet`), after the console's name when
    /// several run (`console`).
    func withClient<T: Sendable>(
        logger: Logger, transfer: TransferOptionGroup? = nil, quiet: Bool = false, console: String? = nil,
        _ body: (ProtectClient) async throws -> T
    ) async throws -> T {
        let configuration = self.configuration(transfer: transfer)
        return try await ProtectClient.withConnection(
            configuration: configuration, credentials: try credentials(), logger: logger
        ) { client in
            if configuration.certificateCheck == .none && !quiet {
                Console.write(
                    "protect-dl: " + (console.map { "[\($0)] " } ?? "")
                        + "note: the console's certificate is not checked; to accept only this console, add "
                        + "--pin-sha256 \(CertificatePin.display(client.certificateFingerprint))",
                    to: .standardError)
            }
            return try await body(client)
        }
    }
}

extension ConsoleConfiguration.Generation: ExpressibleByArgument {}
