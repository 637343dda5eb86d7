import Foundation

/// Paths inside the repository, found from this file's location so tests run from any folder.
public enum Repository {
    /// The repository root.
    public static let root: String = {
        URL(fileURLWithPath: #filePath)  // Tests/TestSupport/Repository.swift
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }()

    public static func path(_ relative: String) -> String { root + "/" + relative }
}
