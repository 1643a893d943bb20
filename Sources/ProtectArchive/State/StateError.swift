import Foundation

/// Why the archive's state cannot be used.
public enum StateError: Error, LocalizedError {
    /// Another protect-dl holds the destination's lock.
    case locked(path: String, holder: String)
    /// The state database cannot be opened or written.
    case database(path: String, reason: String)
    /// The destination has no state database yet.
    case noState(String)
    /// The state database is damaged or empty; moving it aside lets the next sync rebuild it from the files.
    case damaged(path: String, reason: String)
    /// The disk holding the state database is full.
    case diskFull(path: String)
    /// The state records archive `recorded`, but the destination holds another archive (`found`) or none: it was
    /// emptied, or `--dest` points at another place under the same name.
    case otherDestination(state: String, destination: String, recorded: String, found: String?)

    public var errorDescription: String? {
        switch self {
        case .locked(let path, let holder):
            return "Another protect-dl (\(holder)) is working on \(path); wait for it to finish or stop it first."
        case .database(let path, let reason):
            return "The archive state \(path) cannot be used: \(reason)."
        case .diskFull(let path):
            return "The disk holding the archive state \(path) is full; free space and run again (nothing was lost)."
        case .damaged(let path, let reason):
            return "The archive state \(path) is damaged (\(reason)). Move it aside (mv \(path) \(path).damaged) and "
                + "run protect-dl sync again: it adopts the files already in the archive and records them anew."
        case .otherDestination(let state, let destination, let recorded, let found):
            let holds = found.map { "archive \($0)" } ?? "no protect-dl archive"
            return
                "The archive state \(state) belongs to archive \(recorded), but \(destination) holds \(holds): it was "
                + "emptied or now points at another place. Point --dest back at the archive, or, to start a new archive "
                + "there, move the state aside (mv \(state) \(state).old) and sync again."
        case .noState(let path):
            return "\(path) has no archive state yet (\(ArchiveState.folderName)/\(ArchiveState.fileName)); run "
                + "protect-dl sync first."
        }
    }
}
