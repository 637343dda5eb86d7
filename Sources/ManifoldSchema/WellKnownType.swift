/// The google.protobuf messages whose JSON form is not an object of their fields.
package enum WellKnownType: Sendable, Equatable {
    case timestamp, duration, fieldMask, `struct`, value, listValue, any
    /// A wrapper (`Int64Value`, `StringValue`, ...): JSON is the wrapped value itself.
    case wrapper

    init?(fullName: String) {
        switch fullName {
        case "google.protobuf.Timestamp": self = .timestamp
        case "google.protobuf.Duration": self = .duration
        case "google.protobuf.FieldMask": self = .fieldMask
        case "google.protobuf.Struct": self = .struct
        case "google.protobuf.Value": self = .value
        case "google.protobuf.ListValue": self = .listValue
        case "google.protobuf.Any": self = .any
        case "google.protobuf.DoubleValue", "google.protobuf.FloatValue", "google.protobuf.Int64Value",
            "google.protobuf.UInt64Value", "google.protobuf.Int32Value", "google.protobuf.UInt32Value",
            "google.protobuf.BoolValue", "google.protobuf.StringValue", "google.protobuf.BytesValue":
            self = .wrapper
        default: return nil
        }
    }

    /// The enum whose JSON form is `null`.
    static let nullValueEnum = "google.protobuf.NullValue"
}
