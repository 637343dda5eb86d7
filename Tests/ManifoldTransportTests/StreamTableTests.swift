@testable import ManifoldTransport
import TestSupport
import Testing

/// `StreamTable` against `Dictionary` as the model, under the ids a connection makes: ids
/// that only grow, a few long-lived streams among many short ones, and jumps in the ids such
/// as a hostile peer may make. With random multipliers, and with the two degenerate ones
/// that send every id to one slot: the first (runs grow up from it) and the last (runs wrap
/// around the end of the table).
@Suite struct StreamTableTests {
    static let everyIDToTheFirstSlot: UInt64 = 1
    static let everyIDToTheLastSlot: UInt64 = .max
    /// While the table has 16 slots, id `n` goes to slot `n % 16`: runs built by hand.
    static let slotIsIDModulo16: UInt64 = 1 << 60 | 1

    @Test(arguments: [(1, nil), (2, nil), (3, nil), (4, nil), (5, everyIDToTheFirstSlot), (6, everyIDToTheLastSlot)] as [(UInt64, UInt64?)])
    func matchesADictionaryUnderChurn(seed: UInt64, multiplier: UInt64?) {
        var random = SplitMix64(seed: seed)
        var table = StreamTable<Int>(multiplier: multiplier ?? random.next())
        var model: [Int32: Int] = [:]
        // The open ids in the order they opened: choices come from here, not from the
        // dictionary's order (which changes per process), so a seed replays.
        var open: [Int32] = []
        var nextID: Int32 = 1
        for step in 0..<20_000 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<3 where open.count < 200:  // open a stream, sometimes far past the last
                let id = nextID
                nextID += Int.random(in: 0..<20, using: &random) == 0 ? 2 * Int32.random(in: 16...512, using: &random) : 2
                table[id] = step
                model[id] = step
                open.append(id)
            case 3..<6 where !open.isEmpty:  // close one of the newest: most streams are short
                let index = Int.random(in: max(0, open.count - 8)..<open.count, using: &random)
                let id = open.remove(at: index)
                #expect(table.removeValue(forKey: id) == model.removeValue(forKey: id))
            case 6 where !open.isEmpty:  // change one in place, or close it by setting nil
                let index = Int.random(in: 0..<open.count, using: &random)
                let id = open[index]
                if Bool.random(using: &random) {
                    table[id]! += 1
                    model[id]! += 1
                } else {
                    open.remove(at: index)
                    table[id] = nil
                    model[id] = nil
                }
            default:  // look up an open id, one never used, or one closed
                let id = open.isEmpty || Bool.random(using: &random) ? Int32.random(in: 1...nextID + 2, using: &random) : open.randomElement(using: &random)!
                #expect(table[id] == model[id])
            }
            #expect(table.count == model.count)
        }
        for (id, value) in model { #expect(table[id] == value, "stream \(id)") }
        #expect(table.values.sorted() == model.values.sorted())
    }

    @Test(arguments: [everyIDToTheFirstSlot, everyIDToTheLastSlot])
    func idsSharingAHomeSlotStayReachableAsOthersLeave(multiplier: UInt64) {
        var table = StreamTable<Int32>(multiplier: multiplier)
        let ids: [Int32] = [1, 33, 65, 97, 3, 35]
        for id in ids { table[id] = id }
        for removed in ids {
            #expect(table.removeValue(forKey: removed) == removed)
            for id in ids { #expect(table[id] == (ids.firstIndex(of: id)! > ids.firstIndex(of: removed)! ? id : nil)) }
        }
        #expect(table.isEmpty)
    }

    /// Removal moves back only the entries whose home lies at or before the hole: one whose
    /// home is past the hole must stay where a lookup starts from.
    @Test(arguments: [
        // 1 and 17 share slot 1; 3 and 4 sit in their own slots right after it.
        ([1, 17, 3, 4], 17),
        // 15, 31 and 47 share slot 15 and wrap to 0 and 1; 16's own slot 0 is taken, so it
        // sits at 2 and must move back to 1, where 47 moved out of.
        ([15, 31, 47, 16], 15),
    ] as [([Int32], Int32)])
    func removalMovesBackOnlyWhatMayMove(ids: [Int32], removed: Int32) {
        var table = StreamTable<Int32>(multiplier: Self.slotIsIDModulo16)
        for id in ids { table[id] = id }
        #expect(table.removeValue(forKey: removed) == removed)
        for id in ids where id != removed { #expect(table[id] == id, "stream \(id)") }
        #expect(table[removed] == nil)
        #expect(table.count == ids.count - 1)
    }

    @Test func idZeroIsNeverAStream() {
        var table = StreamTable<Int>()
        table[1] = 1
        table[3] = 3
        #expect(table[0] == nil)
        #expect(table.removeValue(forKey: 0) == nil)
        #expect(table.count == 2)
        #expect(table[1] == 1 && table[3] == 3)
    }

    @Test func anAbortedChangeLeavesTheTableConsistent() {
        struct Refused: Error {}
        func set(_ newValue: Int?, thenFail value: inout Int?) throws {
            value = newValue
            throw Refused()
        }
        var table = StreamTable<Int>()
        table[5] = 1
        #expect(throws: Refused.self) { try set(nil, thenFail: &table[5]) }
        #expect(table[5] == nil)
        #expect(table.count == 0)
        #expect(throws: Refused.self) { try set(2, thenFail: &table[7]) }
        #expect(table[7] == 2)
        #expect(table.count == 1)
    }
}
