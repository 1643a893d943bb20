import ArgumentParser
import Foundation
import ProtectAPI
import ProtectArchive

/// `--cameras` must name something and `--dest` must not be empty, in every command that saves files.
func checkSelection(cameras: String, dest: String) throws {
    if let problem = CameraSelection.problem(cameras) { throw ValidationError(problem) }
    if dest.isEmpty { throw ValidationError("--dest is empty; give a folder (. for the current one).") }
}

/// Turns `a,b` and repeated options into one list.
func commaList(_ values: [String]) -> [String] {
    values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}
