import Foundation

/// Every message, enum and method of a set of `.proto` files, with the protobuf-c
/// descriptors that encode and decode them.
///
/// Immutable once built and shared by reference: a config snapshot holds one, and each
/// request in flight keeps the snapshot's schema (and so its C descriptors) alive.
public final class Schema: Sendable {
    package let messages: [MessageInfo]
    package let enums: [EnumInfo]
    private let messageIndex: [String: Int]
    private let enumIndex: [String: Int]
    private let methodsByName: [String: MethodInfo]
    private let servicesByName: [String: [String]]
    let pool: RuntimeDescriptorPool

    /// Builds a schema from serialized FileDescriptorSets (`protoc --include_imports -o`).
    public convenience init(descriptorSet: [UInt8]) throws(SchemaError) {
        try self.init(descriptorSets: [descriptorSet])
    }

    /// Builds a schema from several serialized FileDescriptorSets; a file that appears in
    /// more than one (a shared import) is taken once.
    public init(descriptorSets: [[UInt8]]) throws(SchemaError) {
        var files: [FileDescriptorProto] = []
        var seen = Set<String>()
        for set in descriptorSets {
            for file in try DescriptorSetDecoder.decode(set) where seen.insert(file.name).inserted {
                files.append(file)
            }
        }
        let built = try SchemaBuilder.build(files: files)
        self.messages = built.messages
        self.enums = built.enums
        self.messageIndex = built.messageIndex
        self.enumIndex = built.enumIndex
        self.methodsByName = built.methods
        self.servicesByName = built.services
        self.pool = RuntimeDescriptorPool(messages: built.messages, enums: built.enums)
    }

    /// Loads `.proto` roots (compiled with protoc) and prebuilt descriptor set files.
    public static func load(
        protoRoots: [String],
        descriptorSetFiles: [String] = [],
        compiler: ProtocCompiler = ProtocCompiler()
    ) throws(SchemaError) -> Schema {
        var sets: [[UInt8]] = []
        if !protoRoots.isEmpty { sets.append(try compiler.compile(roots: protoRoots)) }
        for path in descriptorSetFiles {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw SchemaError(.invalidDescriptor, "cannot read descriptor set \(path)")
            }
            sets.append([UInt8](data))
        }
        return try Schema(descriptorSets: sets)
    }

    /// The method `package.Service/Method`, or nil.
    public func method(named name: String) -> MethodInfo? { methodsByName[name] }

    /// The methods of service `package.Service`, or nil when the schema has no such service.
    public func methods(ofService name: String) -> [MethodInfo]? {
        servicesByName[name].map { $0.compactMap { methodsByName[$0] } }
    }

    package func messageIndex(named name: String) -> Int? { messageIndex[name] }

    package func enumIndex(named name: String) -> Int? { enumIndex[name] }
}

extension Schema {
    /// Whether the request message of `method` has a top-level field called `name` (proto or
    /// JSON name), and if so whether it is repeated; nil when there is no such field.
    public func requestField(_ name: String, of method: MethodInfo) -> (exists: Bool, isRepeated: Bool) {
        let message = messages[method.inputIndex]
        guard let index = message.fieldsByName[name] else { return (false, false) }
        return (true, message.fields[index].cardinality == .repeated && !message.fields[index].isMap)
    }

    /// The fully qualified name of `method`'s request message.
    public func requestTypeName(of method: MethodInfo) -> String { messages[method.inputIndex].fullName }
}
