@testable import ManifoldTransport
import TestSupport
import Testing

/// `StreamTable` against `Dictionary` as the model, under the key patterns a connection
/// makes (ids that only grow, a few long-lived streams among many short ones, jumps in the
/// ids as a hostile peer may make), with random multipliers and with the two degenerate ones
/// that send every id to one slot: the first (runs grow up from it) and the last (runs wrap
/// around the end of the table).
@Suite struct StreamTableTests {
    static let everyIDToTheFirstSlot: UInt64 = 1
    static let everyIDToTheLastSlot: UInt64 = .max

    @Test(arguments: [(1, nil), (2, nil), (3, nil), (4, nil), (5, everyIDToTheFirstSlot), (6, everyIDToTheLastSlot)] as [(UInt64, UInt64?)])
    func matchesADictionaryUnderChurn(seed: UInt64, multiplier: UInt64?) {
        var random = SplitMix64(seed: seed)
        var table = StreamTable<Int>(multiplier: multiplier ?? random.next())
        var model: [Int32: Int] = [:]
        var nextID: Int32 = 1
        for step in 0..<20_000 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<4:  // open a stream; now and then jump ahead so ids collide across the table
                let id = nextID
                nextID += Bool.random(using: &random) && Int.random(in: 0..<20, using: &random) == 0 ? 2 * Int32.random(in: 16...512, using: &random) : 2
                table[id] = step
                model[id] = step
            case 4..<7:  // close one; old streams live on longer than most
                guard let id = model.keys.randomElement(using: &random), id > nextID - 64 || Int.random(in: 0..<8, using: &random) == 0 else { continue }
                #expect(table.removeValue(forKey: id) == model.removeValue(forKey: id))
            case 7:  // change one in place, or drop it by setting nil
                guard let id = model.keys.randomElement(using: &random) else { continue }
                if Bool.random(using: &random) {
                    table[id]! += 1
                    model[id]! += 1
                } else {
                    table[id] = nil
                    model[id] = nil
                }
            default:  // look up an open id or one never used
                let id = Bool.random(using: &random) ? model.keys.randomElement(using: &random) ?? 1 : nextID + 2
                #expect(table[id] == model[id])
            }
            #expect(table.count == model.count)
        }
        for (id, value) in model { #expect(table[id] == value, "stream \(id)") }
        #expect(table.values.sorted() == model.values.sorted())
        #expect(table.removeValue(forKey: nextID) == nil)
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
        #expect(table.removeValue(forKey: 0) == nil)
        #expect(table.count == 0)
    }

    @Test func anAbortedChangeLeavesTheTableConsistent() {
        struct Refused: Error {}
        func changeThenFail(_ value: inout Int?) throws {
            value = nil
            throw Refused()
        }
        var table = StreamTable<Int>()
        table[5] = 1
        #expect(throws: Refused.self) { try changeThenFail(&table[5]) }
        #expect(table[5] == nil)
        #expect(table.count == 0)
        #expect(throws: Refused.self) { try changeThenFail(&table[7]) }
        #expect(table.isEmpty)
    }
}
