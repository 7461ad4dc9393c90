import Synchronization

/// Counts a polling loop's completed passes: a pass that began after some change and has ended is proof the loop
/// saw that change, where sleeping for a guessed interval proves nothing on a slow machine.
public final class LoopProgress: Sendable {
    private let passes = Atomic<Int>(0)

    public init() {}

    /// Passes completed so far.
    public var count: Int { passes.load(ordering: .acquiring) }

    package func completed() { passes.add(1, ordering: .releasing) }
}
