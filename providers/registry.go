package providers

import (
	"errors"

	"github.com/airside-dev/flightdeck/model"
)

// Registry is every provider a run has: the deploy and CI sources, which
// one serves each environment and each service's pipelines, what reads a
// service's commits, and what must be closed (caches saved) at the end.
// The commands build it from the config; the dashboard, the commands and the
// action pipeline look things up in it, and find what a provider can do
// by interface (EnvAs, CIAs).
type Registry struct {
	sources   []DeploySource
	ciSources []CISource
	env       map[model.EnvKey]DeploySource
	ci        map[string]CISource
	lineage   LineageReader
	repos     map[string]string
	closers   []func() error
}

// NewRegistry is an empty registry.
func NewRegistry() *Registry {
	return &Registry{env: map[model.EnvKey]DeploySource{}, ci: map[string]CISource{}, repos: map[string]string{}}
}

// AddSource registers a deploy source for every environment it covers.
func (r *Registry) AddSource(src DeploySource) {
	r.sources = append(r.sources, src)
	for _, k := range src.Covers() {
		r.env[k] = src
	}
}

// AddCI registers a CI source for every service it reads.
func (r *Registry) AddCI(src CISource) {
	r.ciSources = append(r.ciSources, src)
	for _, s := range src.Services() {
		r.ci[s] = src
	}
}

// SetLineage registers what reads commits, and each service's repository
// ("owner/name").
func (r *Registry) SetLineage(l LineageReader, repos map[string]string) {
	r.lineage = l
	for s, repo := range repos {
		r.repos[s] = repo
	}
}

// OnClose adds what Close runs (saving a cache).
func (r *Registry) OnClose(f func() error) { r.closers = append(r.closers, f) }

// Sources are the deploy sources, in the order they were added.
func (r *Registry) Sources() []DeploySource {
	if r == nil {
		return nil
	}
	return r.sources
}

// CISources are the CI sources, in the order they were added.
func (r *Registry) CISources() []CISource {
	if r == nil {
		return nil
	}
	return r.ciSources
}

// Env is the source that serves an environment.
func (r *Registry) Env(k model.EnvKey) (DeploySource, bool) {
	if r == nil {
		return nil, false
	}
	s, ok := r.env[k]
	return s, ok
}

// CI is the source that reads a service's pipelines.
func (r *Registry) CI(service string) (CISource, bool) {
	if r == nil {
		return nil, false
	}
	s, ok := r.ci[service]
	return s, ok
}

// Lineage is what reads a service's commits and its repository; nil and ""
// when the service names no repository or nothing can read it.
func (r *Registry) Lineage(service string) (LineageReader, string) {
	if r == nil || r.lineage == nil || r.repos[service] == "" {
		return nil, ""
	}
	return r.lineage, r.repos[service]
}

// Close runs every closer, once each, and joins their errors.
func (r *Registry) Close() error {
	if r == nil {
		return nil
	}
	var errs []error
	for _, f := range r.closers {
		errs = append(errs, f())
	}
	r.closers = nil
	return errors.Join(errs...)
}

// EnvAs is what serves an environment, as capability T (Rollbacker,
// HistoryReader, EnvReader…), when it has it.
func EnvAs[T any](r *Registry, k model.EnvKey) (T, bool) {
	s, ok := r.Env(k)
	if !ok {
		var zero T
		return zero, false
	}
	t, ok := s.(T)
	return t, ok
}

// CIAs is what reads a service's pipelines, as capability T (Approver,
// GateChecker…), when it has it.
func CIAs[T any](r *Registry, service string) (T, bool) {
	s, ok := r.CI(service)
	if !ok {
		var zero T
		return zero, false
	}
	t, ok := s.(T)
	return t, ok
}
