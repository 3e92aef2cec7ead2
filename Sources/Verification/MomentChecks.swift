enum MomentChecks { static var all: [Check] { [] } }
