import Crypto

/// A hash a remote computes itself and protect-dl compares with its own: MD5 or SHA-1 (what rclone asks an SFTP
/// server's `md5sum` or `sha1sum` for, and what S3 keeps of a single PUT).
public enum RemoteHashKind: String, Sendable, CaseIterable {
    case md5, sha1

    /// Its name in sentences.
    var displayName: String {
        switch self {
        case .md5: return "MD5"
        case .sha1: return "SHA-1"
        }
    }

    /// The hash an upload to a remote with `features` is checked with, or nil when the remote has none.
    ///
    /// A bucket's is MD5, which rclone sends with the upload (S3's `Content-MD5`) and the server checks. A file
    /// remote's is SHA-1 where the server has it: its `sha1sum` costs it no more than `md5sum`, and protect-dl's own
    /// SHA-1 (hardware SHA instructions) costs about a third of its MD5; else MD5.
    static func check(for features: RemoteFeatures) -> RemoteHashKind? {
        if features.bucketBased { return features.hashes.contains("md5") ? .md5 : nil }
        return [.sha1, .md5].first { features.hashes.contains($0.rawValue) }
    }

    /// A recorded remote hash (`kind:hex`) split into its kind and value; nil for another form or kind.
    static func parse(_ recorded: String?) -> (kind: RemoteHashKind, hex: String)? {
        guard let recorded, let colon = recorded.firstIndex(of: ":"),
            let kind = RemoteHashKind(rawValue: String(recorded[..<colon]))
        else { return nil }
        let hex = String(recorded[recorded.index(after: colon)...])
        return hex.isEmpty ? nil : (kind, hex)
    }

    /// The recorded form, `kind:hex`.
    func recorded(_ hex: String) -> String { rawValue + ":" + hex }
}

/// The running hash of one kind, fed as the bytes pass.
struct RunningRemoteHash {
    let kind: RemoteHashKind
    private var md5: Insecure.MD5?
    private var sha1: Insecure.SHA1?

    init(_ kind: RemoteHashKind) {
        self.kind = kind
        switch kind {
        case .md5: md5 = Insecure.MD5()
        case .sha1: sha1 = Insecure.SHA1()
        }
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        md5?.update(bufferPointer: bytes)
        sha1?.update(bufferPointer: bytes)
    }

    /// Lower-case hex.
    func finalize() -> String {
        let digest: [UInt8] = md5.map { Array($0.finalize()) } ?? sha1.map { Array($0.finalize()) } ?? []
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
