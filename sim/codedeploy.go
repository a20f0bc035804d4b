package sim

// CodeDeploy, as far as the world needs it: a CODE_DEPLOY ECS service's
// blue/green deployment driven step by step, as CodeDeploy drives ECS
// (flightdeck only reads such services; tests and scenes move them).

// CodeDeployReplace creates the replacement task set of taskDef (ARN or
// family:revision) beside the original and returns the CodeDeploy
// deployment ID; "" when the service is not a CODE_DEPLOY one.
func (w *World) CodeDeployReplace(cluster, service, taskDef string) string {
	w.loop.Lock()
	defer w.loop.Unlock()
	return w.ecs.CodeDeployReplace(cluster, service, taskDef)
}

// CodeDeployShift moves production traffic to the replacement: it becomes
// the PRIMARY task set.
func (w *World) CodeDeployShift(cluster, service string) bool {
	w.loop.Lock()
	defer w.loop.Unlock()
	return w.ecs.CodeDeployShift(cluster, service)
}

// CodeDeployFinish terminates the original task set.
func (w *World) CodeDeployFinish(cluster, service string) {
	w.loop.Lock()
	defer w.loop.Unlock()
	w.ecs.CodeDeployFinish(cluster, service)
}
