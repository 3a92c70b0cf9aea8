import Foundation
import Neural

/// EM for a Gaussian mixture on one slice of weighted samples (`GaussianMixture` states the rules).
struct ExpectationMaximisation {
    let points: [Double]
    let weights: [Double]
    let dimension: Int
    /// The smallest variance per axis.
    let floor: [Double]

    var count: Int { weights.count }

    /// The covariance `c` with its variances floored and its correlation clamped to 0.999.
    func regularised(_ c: [Double]) -> [Double] {
        if dimension == 1 { return [max(c[0], floor[0])] }
        let a = max(c[0], floor[0]), d = max(c[3], floor[1]), limit = 0.999 * (a * d).squareRoot()
        let b = min(max(c[1], -limit), limit)
        return [a, b, b, d]
    }

    /// k-means++ starting means: the first drawn by weight, each next by `w_i D_i^2`; fewer when the
    /// samples have fewer distinct points.
    func initialMeans(_ k: Int, generator: inout SeededGenerator) -> [[Double]] {
        let d = dimension
        func draw(_ mass: [Double]) -> Int? {
            let total = mass.reduce(0, +)
            guard total > 0 else { return nil }
            let target = generator.unit() * total
            var sum = 0.0
            for (i, m) in mass.enumerated() { sum += m; if sum > target { return i } }
            return mass.lastIndex { $0 > 0 }
        }
        var means: [[Double]] = []
        var nearest = [Double](repeating: .infinity, count: count)
        var mass = weights
        while means.count < k, let i = draw(mass) {
            let centre = Array(points[i * d ..< (i + 1) * d])
            means.append(centre)
            for p in 0..<count {
                var distance = 0.0
                for a in 0..<d { let z = points[p * d + a] - centre[a]; distance += z * z }
                nearest[p] = min(nearest[p], distance)
                mass[p] = weights[p] * nearest[p]
            }
        }
        return means
    }

    func fit(components k: Int, iterations: Int, tolerance: Double, generator: inout SeededGenerator) -> [GaussianComponent] {
        let d = dimension, n = count
        let overall = regularised(WeightedMoments(points: points, weights: weights, dimension: d).covariance)
        var mixture = initialMeans(k, generator: &generator).map { GaussianComponent(weight: 0, mean: $0, covariance: overall) }
        for j in mixture.indices { mixture[j].weight = 1 / Double(mixture.count) }
        let m = mixture.count
        var responsibility = [Double](repeating: 0, count: n * m)
        var previous = -Double.infinity
        for _ in 0..<iterations {
            // E step: r_ij = pi_j N_j(x_i) / sum_l pi_l N_l(x_i), by log-sum-exp; the weighted log-likelihood.
            var logLikelihood = 0.0
            points.withUnsafeBufferPointer { x in
                for i in 0..<n {
                    var top = -Double.infinity
                    for j in 0..<m {
                        let v = mixture[j].weight > 0 ? log(mixture[j].weight) + mixture[j].logDensity(x.baseAddress! + i * d) : -.infinity
                        responsibility[i * m + j] = v
                        top = max(top, v)
                    }
                    var sum = 0.0
                    for j in 0..<m { let e = exp(responsibility[i * m + j] - top); responsibility[i * m + j] = e; sum += e }
                    for j in 0..<m { responsibility[i * m + j] /= sum }
                    logLikelihood += weights[i] * (top + log(sum))
                }
            }
            // M step.
            for j in 0..<m {
                var total = 0.0, mean = [Double](repeating: 0, count: d), cov = [Double](repeating: 0, count: d * d)
                for i in 0..<n {
                    let r = weights[i] * responsibility[i * m + j]
                    total += r
                    for a in 0..<d { mean[a] += r * points[i * d + a] }
                }
                mixture[j].weight = total
                guard total > 1e-12 else { continue }   // an empty component keeps its place, weight ~0
                for a in 0..<d { mean[a] /= total }
                for i in 0..<n {
                    let r = weights[i] * responsibility[i * m + j]
                    for a in 0..<d {
                        let za = points[i * d + a] - mean[a]
                        for b in 0..<d { cov[a * d + b] += r * za * (points[i * d + b] - mean[b]) }
                    }
                }
                mixture[j].mean = mean
                mixture[j].covariance = regularised(cov.map { $0 / total })
            }
            if abs(logLikelihood - previous) < tolerance { break }
            previous = logLikelihood
        }
        return mixture
    }
}
