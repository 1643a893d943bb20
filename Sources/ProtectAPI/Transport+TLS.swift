import Crypto
import Foundation
import NIOSSL

extension Transport {
    /// The TLS settings of every connection to a console whose certificate `leaf` the probe saw (and, for a pin,
    /// compared): the HTTP client's and the websocket's.
    static func tlsConfiguration(configuration: ConsoleConfiguration, leaf: NIOSSLCertificate) throws
        -> TLSConfiguration
    {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch configuration.certificateCheck {
        case .none:
            tls.certificateVerification = .none
        case .system:
            tls.certificateVerification = .fullVerification
        case .caFile(let path):
            tls.trustRoots = .file(path)
            tls.certificateVerification = .fullVerification
        case .pinned(let fingerprint):
            let actual = try fingerprintHex(leaf)
            let wanted = CertificatePin.normalize(fingerprint) ?? fingerprint.uppercased()
            guard actual == wanted else {
                throw ProtectError.certificateRejected(
                    reason: "its SHA-256 fingerprint is \(CertificatePin.display(actual)), not the pinned "
                        + CertificatePin.display(wanted))
            }
            // Trust that certificate alone.
            tls.trustRoots = .certificates([leaf])
            tls.certificateVerification = .noHostnameVerification
        }
        // A console that stalls would otherwise hold a stop for NIOSSL's default 5 s wait for its close_notify.
        tls.shutdownTimeout = .milliseconds(250)
        return tls
    }

    /// Upper-case hex SHA-256 of a certificate's DER bytes.
    static func fingerprintHex(_ certificate: NIOSSLCertificate) throws -> String {
        Data(SHA256.hash(data: try certificate.toDERBytes())).map { String(format: "%02X", $0) }.joined()
    }
}
