import Supervisor
import Testing

/// What `windrow local` does about its reducer processes, given the coordinator's view.
@Suite struct ReconcileTests {
    @Test func aScaleUpStartsTheNextFreeIndexes() {
        let plan = LocalCluster.reconcile(running: ["reducer-0", "reducer-1"], mapReducers: ["reducer-0", "reducer-1"], draining: [],
                                          givingAway: [], desired: 4)
        #expect(plan.start == [2, 3] && plan.stop.isEmpty)
    }

    @Test func aDrainedReducerStopsOnlyOnceItLeftTheMapAndGaveEverythingAway() {
        var plan = LocalCluster.reconcile(running: ["reducer-0", "reducer-1"], mapReducers: ["reducer-0", "reducer-1"],
                                          draining: ["reducer-1"], givingAway: ["reducer-1"], desired: 1)
        #expect(plan.start.isEmpty && plan.stop.isEmpty)
        plan = LocalCluster.reconcile(running: ["reducer-0", "reducer-1"], mapReducers: ["reducer-0"], draining: ["reducer-1"],
                                      givingAway: ["reducer-1"], desired: 1)
        #expect(plan.stop.isEmpty)
        plan = LocalCluster.reconcile(running: ["reducer-0", "reducer-1"], mapReducers: ["reducer-0"], draining: ["reducer-1"],
                                      givingAway: [], desired: 1)
        #expect(plan.start.isEmpty && plan.stop == ["reducer-1"])
    }

    @Test func theMapsReducersRunAndAReplacementTakesANewIndex() {
        // After a restart of `windrow local` with fewer --reducers than the map holds.
        var plan = LocalCluster.reconcile(running: ["reducer-0"], mapReducers: ["reducer-0", "reducer-2"], draining: [], givingAway: [], desired: nil)
        #expect(plan.start == [2] && plan.stop.isEmpty)
        // A drain with a count asked for: the drained index is not reused.
        plan = LocalCluster.reconcile(running: ["reducer-1"], mapReducers: ["reducer-1"], draining: ["reducer-0"], givingAway: [], desired: 2)
        #expect(plan.start == [2])
    }
}
