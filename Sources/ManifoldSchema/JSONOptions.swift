/// How protobuf messages render as JSON, and how strictly JSON input is read; the `json:`
/// section of the config.
public struct JSONOptions: Sendable, Hashable {
    public enum FieldNames: String, Sendable, Hashable {
        /// lowerCamelCase `json_name`, the canonical proto3 JSON mapping.
        case camel
        /// The names as written in the `.proto` file.
        case proto
    }

    public var fieldNames: FieldNames
    /// Render implicit-presence fields that hold their default (`0`, `""`, `[]`).
    public var emitDefaults: Bool
    /// Render enums as numbers rather than names.
    public var enumsAsNumbers: Bool
    /// Skip unknown field names in JSON input instead of rejecting them.
    public var ignoreUnknownFields: Bool

    public init(
        fieldNames: FieldNames = .camel,
        emitDefaults: Bool = false,
        enumsAsNumbers: Bool = false,
        ignoreUnknownFields: Bool = false
    ) {
        self.fieldNames = fieldNames
        self.emitDefaults = emitDefaults
        self.enumsAsNumbers = enumsAsNumbers
        self.ignoreUnknownFields = ignoreUnknownFields
    }

    public static let defaults = JSONOptions()
}
