import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// A self-signed certificate made at start, as a console makes its own; clients pin it by its SHA-256.
public struct TLSIdentity: Sendable {
    /// The certificate in DER.
    public let certificateDER: [UInt8]
    /// The certificate in PEM, for `curl --cacert` or a client's trust roots.
    public let certificatePEM: String
    let privateKeyPEM: String

    /// SHA-256 of the DER certificate as colon-separated upper-case hex, as browsers show it.
    public var fingerprint: String {
        SHA256.hash(data: certificateDER).map { String(format: "%02X", $0) }.joined(separator: ":")
    }

    /// Makes a new key and a certificate for `localhost` and 127.0.0.1, valid for ten years.
    public static func generate(commonName: String = "UniFi Protect Simulator") throws -> TLSIdentity {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("Ubiquiti Inc.")
            CommonName(commonName)
        }
        let now = Date()
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-86_400),
            notValidAfter: now.addingTimeInterval(10 * 365 * 86_400),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                SubjectAlternativeNames([
                    .dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                ])
            },
            issuerPrivateKey: .init(key)
        )
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        let der = serializer.serializedBytes
        return TLSIdentity(
            certificateDER: der,
            certificatePEM: try certificate.serializeAsPEM().pemString,
            privateKeyPEM: key.pemRepresentation
        )
    }

    /// The server-side TLS configuration for NIO.
    func serverConfiguration() throws -> TLSConfiguration {
        let certificate = try NIOSSLCertificate(bytes: certificateDER, format: .der)
        let key = try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(certificate)],
            privateKey: .privateKey(key)
        )
        configuration.applicationProtocols = ["http/1.1"]
        return configuration
    }
}
