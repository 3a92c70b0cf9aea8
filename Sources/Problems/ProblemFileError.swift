/// An error in an input file (a problem or a benchmark suite): the file, the line, the field, and what was expected.
public struct ProblemFileError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let line: Int?
    public let field: String?
    public let message: String

    public init(path: String, line: Int?, field: String?, message: String) {
        self.path = path
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String {
        var s = path
        if let line { s += ":\(line)" }
        s += ": "
        if let field { s += "\(field): " }
        return s + message
    }
}
