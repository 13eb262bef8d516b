import CZeroMQ

/// The ZeroMQ socket patterns Windrow uses.
public enum SocketType: Sendable {
    case pair, publish, subscribe, request, reply, dealer, router, pull, push

    var rawValue: Int32 {
        switch self {
        case .pair: ZMQ_PAIR
        case .publish: ZMQ_PUB
        case .subscribe: ZMQ_SUB
        case .request: ZMQ_REQ
        case .reply: ZMQ_REP
        case .dealer: ZMQ_DEALER
        case .router: ZMQ_ROUTER
        case .pull: ZMQ_PULL
        case .push: ZMQ_PUSH
        }
    }
}
