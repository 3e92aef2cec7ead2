import Foundation
import GSL

/// Navigation in a small grid maze: the input says where the agent is, the
/// readout must say which way to go to reach the goal. The paradox paper
/// names maze navigation among its tasks without specifying it, so every
/// choice below is this project's:
///
/// - The maze: the fixed 5 × 5 grid `layout` (`#` a wall, `G` the goal, `.`
///   open), 18 open cells; moves go north, east, south or west between open
///   cells. Every open cell reaches the goal; the direction to take is the
///   first move of a shortest path (breadth-first distances from the goal;
///   ties, if any, broken in the order north, east, south, west).
/// - Input (I = 18): the position as a one-hot code over the open cells, in
///   row-major order (a place-cell code): 1 on the agent's cell, 0 elsewhere.
/// - Output (O = 2): the direction as a unit vector (x east, y north):
///   north (0, 1), east (1, 0), south (0, −1), west (−1, 0); (0, 0) at the goal.
/// - A trial is an episode under the optimal policy (teacher forcing): the
///   agent starts on an open cell drawn uniformly (the goal included), stays
///   `holdSteps` steps on each cell (1 τ at the default dt = 0.1, τ = 1), then
///   moves one cell along the shortest path; after one hold on the goal it
///   restarts on a fresh uniform cell, until the trial's steps run out. So a
///   trained network holds one fixed point per cell, switching between them
///   as the input changes.
/// - Loss: on both outputs, weight 1 over the second half of each hold
///   (the first half is left for the switch), 0 elsewhere.
///
/// Draws: one uniform per (re)start, in time order within a trial, trial 0 first.
public struct MazeTask: TrainingTask {
  public static let defaultSteps = 100
  /// Steps on each cell before the agent moves.
  public static let holdSteps = 10
  /// Row 0 is north. The goal is in the north-east corner.
  public static let layout = [
    "...#G",
    ".#.#.",
    ".#...",
    ".###.",
    ".....",
  ]

  /// (row, column) of each open cell, row-major: input k is cell k.
  public static let cells: [(row: Int, column: Int)] = {
    var out: [(row: Int, column: Int)] = []
    for (r, line) in layout.enumerated() {
      for (c, ch) in line.enumerated() where ch != "#" { out.append((r, c)) }
    }
    return out
  }()

  /// Index of the goal in `cells`.
  public static let goal: Int = {
    let r = layout.firstIndex { $0.contains("G") }!
    let c = layout[r].distance(from: layout[r].startIndex, to: layout[r].firstIndex(of: "G")!)
    return cells.firstIndex { $0 == (r, c) }!
  }()

  /// North, east, south, west as (Δrow, Δcolumn) and as the readout (x, y).
  static let moves: [(dr: Int, dc: Int)] = [(-1, 0), (0, 1), (1, 0), (0, -1)]
  static let directions: [(x: Double, y: Double)] = [(0, 1), (1, 0), (0, -1), (-1, 0)]

  /// Shortest-path distance (in moves) of each cell to the goal, by breadth-first search.
  public static let distance: [Int] = {
    var d = [Int](repeating: -1, count: cells.count)
    d[goal] = 0
    var queue = [goal], head = 0
    while head < queue.count {
      let k = queue[head]
      head += 1
      for m in moves {
        if let n = neighbour(k, m), d[n] < 0 {
          d[n] = d[k] + 1
          queue.append(n)
        }
      }
    }
    return d
  }()

  /// For each cell: the index into `moves` of the first step of a shortest
  /// path (nil at the goal), and the cell it leads to.
  public static let policy: [(move: Int, next: Int)?] = (0..<cells.count).map { k in
    guard k != goal else { return nil }
    for (i, m) in moves.enumerated() {
      if let n = neighbour(k, m), distance[n] == distance[k] - 1 { return (i, n) }
    }
    preconditionFailure("cell \(cells[k]) does not reach the goal")
  }

  static func neighbour(_ k: Int, _ m: (dr: Int, dc: Int)) -> Int? {
    let r = cells[k].row + m.dr, c = cells[k].column + m.dc
    return cells.firstIndex { $0 == (r, c) }
  }

  /// The readout's target on cell k: the unit vector of the policy's move, (0, 0) at the goal.
  public static func target(cell k: Int) -> (x: Double, y: Double) {
    policy[k].map { directions[$0.move] } ?? (0, 0)
  }

  public let steps: Int
  public var name: String { "maze" }
  public var inputSize: Int { Self.cells.count }
  public var outputSize: Int { 2 }
  public var summary: String {
    "5x5 grid maze, \(Self.cells.count) open cells (one-hot position input), \(Self.holdSteps) steps per cell along shortest paths to the goal, restart at a uniform cell after it; readout -> direction (x east, y north), (0,0) at the goal, over the second half of each cell's steps"
  }

  public init(steps: Int = MazeTask.defaultSteps) {
    precondition(steps >= 2)
    self.steps = steps
  }

  public func batch(trials: Int, rng: GSLRandom) -> TrialBatch {
    var batch = TrialBatch(steps: steps, trials: trials, inputSize: inputSize, outputSize: 2)
    let n = Self.cells.count, hold = Self.holdSteps
    for b in 0..<trials {
      var cell = 0
      for t in 0..<steps {
        let phase = t % hold
        if phase == 0 {
          if t == 0 || cell == Self.goal {
            cell = min(Int(rng.uniform() * Double(n)), n - 1)
          } else {
            cell = Self.policy[cell]!.next
          }
        }
        batch.inputs[batch.inputIndex(step: t, trial: b, cell)] = 1
        let y = Self.target(cell: cell)
        let ox = batch.outputIndex(step: t, trial: b, 0), oy = batch.outputIndex(step: t, trial: b, 1)
        batch.targets[ox] = y.x
        batch.targets[oy] = y.y
        if phase >= hold / 2 {
          batch.weights[ox] = 1
          batch.weights[oy] = 1
        }
      }
    }
    return batch
  }
}
