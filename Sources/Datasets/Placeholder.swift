import RLBridge
