import Foundation
import TestSupport
import Testing
@testable import Storage

@Suite struct ManifestTests {
    static func file(_ name: String, level: UInt8 = 0) -> ManifestFile {
        ManifestFile(name: name, partition: 3, day: 20_000, group: String(name.dropLast(6)), level: level, resolution: 60_000_000_000, bytes: 100, rows: 7)
    }

    static func open(_ directory: TemporaryDirectory, rotateBytes: Int = 4 << 20) throws -> Manifest {
        try Manifest(directory: directory.path, initial: { ManifestEdit(state: Array("start".utf8)) }, rotateBytes: rotateBytes)
    }

    @Test func editsSurviveReopeningAndStateStaysUntilAnEditCarriesOne() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manifest = try Self.open(directory)
        try manifest.apply(ManifestEdit(added: [Self.file("a.shard"), Self.file("b.shard")], state: Array("seal 1".utf8)))
        try manifest.apply(ManifestEdit(added: [Self.file("c.shard", level: 1)], removed: ["a.shard", "b.shard"], state: nil))
        let reopened = try Self.open(directory).state
        #expect(reopened == manifest.state)
        #expect(reopened.version == 3)
        #expect(Set(reopened.files.keys) == ["c.shard"])
        #expect(reopened.files["c.shard"] == Self.file("c.shard", level: 1))
        #expect(reopened.state == Array("seal 1".utf8))
    }

    @Test func aRecordTornAtTheEndIsDroppedAndTheLogGoesOn() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manifest = try Self.open(directory)
        try manifest.apply(ManifestEdit(added: [Self.file("a.shard")], state: nil))
        let path = directory.path + "/MANIFEST-1"
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        try manifest.apply(ManifestEdit(added: [Self.file("b.shard")], state: nil))
        let longer = try Data(contentsOf: URL(fileURLWithPath: path))
        // Every cut of the last record (a crash while it was written) leaves the edit before it.
        for cut in whole.count..<longer.count {
            try longer.prefix(cut).write(to: URL(fileURLWithPath: path))
            let recovered = try Self.open(directory)
            #expect(Set(recovered.state.files.keys) == ["a.shard"], "cut at \(cut)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == whole.count)
        }
        let recovered = try Self.open(directory)
        try recovered.apply(ManifestEdit(added: [Self.file("c.shard")], state: nil))
        #expect(Set(try Self.open(directory).state.files.keys) == ["a.shard", "c.shard"])
    }

    @Test func damageBeforeTheLastRecordStopsRecoveryWithItsPlace() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manifest = try Self.open(directory)
        try manifest.apply(ManifestEdit(added: [Self.file("a.shard")], state: nil))
        try manifest.apply(ManifestEdit(added: [Self.file("b.shard")], state: nil))
        let path = directory.path + "/MANIFEST-1"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[Manifest.magic.count + 12] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: StorageError.self) { try Self.open(directory) }
        #expect(error?.isCorrupt == true)
        #expect(error?.description.contains("manifest record at byte \(Manifest.magic.count)") == true)
    }

    @Test func rotationStartsANewLogHoldingTheWholeState() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let manifest = try Self.open(directory, rotateBytes: 600)
        var live = Set<String>()
        for index in 0..<40 {
            let name = "f\(index).shard"
            let removed = index % 3 == 0 ? Array(live.prefix(1)) : []
            try manifest.apply(ManifestEdit(added: [Self.file(name)], removed: removed, state: Array("seal \(index)".utf8)))
            live.subtract(removed)
            live.insert(name)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("MANIFEST-") }
        #expect(names.count == 1 && names[0] != "MANIFEST-1")
        let reopened = try Self.open(directory, rotateBytes: 600).state
        #expect(Set(reopened.files.keys) == live)
        #expect(reopened.version == 41)
        #expect(reopened.state == Array("seal 39".utf8))
    }
}
