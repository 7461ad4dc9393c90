import Testing

/// Waits up to 10 s of real time for `condition`, checking every 50 ms; a timeout is a recorded failure.
func eventually(_ condition: () async throws -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    for _ in 0..<200 where !(try await condition()) { try await Task.sleep(for: .milliseconds(50)) }
    #expect(try await condition(), "timed out waiting", sourceLocation: sourceLocation)
}
