import Neural
import Testing

@Suite struct AdamFlatParametersTests {
    /// `step(parameters:gradients:)` is the same arithmetic as `step(_:)` on a model: ten steps on
    /// the same numbers give the same parameters bit for bit.
    @Test func flatStepMatchesModelStep() {
        let net = MLP(layerSizes: [3, 5, 2], seed: 4)
        var flat = net.parameters
        let a = Adam(parameterCount: net.parameterCount, learningRate: 0.01)
        let b = Adam(parameterCount: net.parameterCount, learningRate: 0.01)
        var g = SeededGenerator(seed: 2)
        for _ in 0 ..< 10 {
            let gradient = (0 ..< net.parameterCount).map { _ in Float(2 * g.unit() - 1) }
            net.gradients = gradient
            a.step(net)
            b.step(parameters: &flat, gradients: gradient)
        }
        #expect(flat == net.parameters)
        #expect(a.stepCount == 10 && b.stepCount == 10)
    }
}
