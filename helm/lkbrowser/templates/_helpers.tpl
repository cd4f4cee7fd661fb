{{/* Chart name, truncated to 63 characters (a DNS label). */}}
{{- define "lkbrowser.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Resource name prefix: release name plus chart name unless the release name already contains it. */}}
{{- define "lkbrowser.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "lkbrowser.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | quote }}
{{ include "lkbrowser.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: lkbrowser
{{- end -}}

{{- define "lkbrowser.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lkbrowser.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "lkbrowser.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "lkbrowser.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "lkbrowser.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "lkbrowser.runtimeImage" -}}
{{- printf "%s:%s" .Values.runtime.image.repository (default .Chart.AppVersion .Values.runtime.image.tag) -}}
{{- end -}}

{{/* Secret (release namespace) the operator mints join tokens from: an existing one, or the one this chart creates. */}}
{{- define "lkbrowser.credentialsSecretName" -}}
{{- if .Values.livekit.credentialsSecret -}}
{{- .Values.livekit.credentialsSecret -}}
{{- else if .Values.livekit.apiKey -}}
{{- printf "%s-livekit" (include "lkbrowser.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Namespaces where runtime pods run, as a YAML list: watchNamespaces, or the release namespace when watching all. */}}
{{- define "lkbrowser.sessionNamespaces" -}}
{{- if .Values.watchNamespaces -}}
{{- toYaml .Values.watchNamespaces -}}
{{- else -}}
{{- toYaml (list .Release.Namespace) -}}
{{- end -}}
{{- end -}}

{{/* Least privilege for the operator. It never reads Secrets: the LiveKit API key/secret reach it as a mounted
       volume of its own pod (kubelet), and in session namespaces it only creates and replaces each session's
       token Secret (no get, list or watch: other Secrets there stay unreadable to it). */}}
{{- define "lkbrowser.operatorRules" -}}
- apiGroups: [lkbrowser.dev]
  resources: [browsersessions]
  verbs: [get, list, watch, update, patch]
- apiGroups: [lkbrowser.dev]
  resources: [browsersessions/status]
  verbs: [get, update, patch]
- apiGroups: [lkbrowser.dev]
  resources: [browsersessions/finalizers]
  verbs: [update]
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch, create, delete]
- apiGroups: [""]
  resources: [secrets]
  verbs: [create, update]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create, patch]
{{- end -}}
