import Foundation

/// How many of the changes considered carry each token, so that content matching can weigh a shared token by how
/// rare it is: a region name half the change log carries is little evidence, a flag key only one change has is much.
struct DocumentFrequency {
    private var counts: [String: Int] = [:]
    let documents: Int

    init(_ documents: [Correlator.Tokens]) {
        self.documents = documents.count
        for tokens in documents {
            for token in tokens.words.union(tokens.distinctive) { counts[token, default: 0] += 1 }
        }
    }

    func count(of token: String) -> Int { counts[token] ?? 0 }

    /// 1 for a token only one change carries, falling towards 0 as more of them do (inverse document frequency,
    /// normalized to the number of changes).
    func rarity(of token: String) -> Double {
        let count = max(1, self.count(of: token))
        guard documents > 1 else { return 1 }
        return max(0, 1 - log(Double(count)) / log(Double(documents) + 1))
    }
}
