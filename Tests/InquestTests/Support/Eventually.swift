import Testing

/// Waits up to 10 s of real time for `condition`, checking every 50 ms; a timeout is a recorded failure.
func eventually(_ condition: () async throws -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let held = try await eventuallyValue { try await condition() ? true : nil }
    #expect(held != nil, "timed out waiting", sourceLocation: sourceLocation)
}

/// Polls `produce` every 50 ms until it gives a value, for up to `timeout` of real time; nil after that.
func eventuallyValue<T>(timeout: Duration = .seconds(10), _ produce: () async throws -> T?) async throws -> T? {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let value = try await produce() { return value }
        guard ContinuousClock.now < deadline else { return nil }
        try await Task.sleep(for: .milliseconds(50))
    }
}
