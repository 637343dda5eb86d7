/// One call as a config writes it, before compilation.
public struct CallSpec<Target: Sendable>: Sendable {
    public var name: String
    public var target: Target
    public var request: String?
    public var when: String?
    public var each: String?
    public var concurrency: Int
    public var optional: Bool
    public var timeout: Duration

    public init(
        name: String, target: Target, request: String? = nil, when: String? = nil, each: String? = nil,
        concurrency: Int = 8, optional: Bool = false, timeout: Duration
    ) {
        self.name = name
        self.target = target
        self.request = request
        self.when = when
        self.each = each
        self.concurrency = concurrency
        self.optional = optional
        self.timeout = timeout
    }
}
