/// A problem in a problem file: the file, the line, the field, and what was expected.
public struct ProblemFileError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let line: Int?
    public let field: String?
    public let message: String

    public var description: String {
        var s = path
        if let line { s += ":\(line)" }
        s += ": "
        if let field { s += "\(field): " }
        return s + message
    }
}
