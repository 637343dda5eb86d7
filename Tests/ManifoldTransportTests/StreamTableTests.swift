@testable import ManifoldTransport
import TestSupport
import Testing

/// `StreamTable` against `Dictionary` as the model, under the key patterns a connection
/// makes: ids that only grow, a few long-lived streams among many short ones (so runs wrap
/// around the table and collide), and ids far apart that share a home slot.
@Suite struct StreamTableTests {
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func matchesADictionaryUnderChurn(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var table = StreamTable<Int>()
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

    @Test func idsSharingAHomeSlotStayReachableAsOthersLeave() {
        var table = StreamTable<Int32>()
        // 16 slots before the table first grows: ids 1, 33, 65, ... all start at slot 0.
        let ids: [Int32] = [1, 33, 65, 97, 3, 35]
        for id in ids { table[id] = id }
        for removed in ids {
            #expect(table.removeValue(forKey: removed) == removed)
            for id in ids { #expect(table[id] == (ids.firstIndex(of: id)! > ids.firstIndex(of: removed)! ? id : nil)) }
        }
        #expect(table.isEmpty)
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
