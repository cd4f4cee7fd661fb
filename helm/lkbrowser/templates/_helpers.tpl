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

{{/* The Secret holding the warm pools' claim key (key claimKey): the admin's, or the chart's own. */}}
{{- define "lkbrowser.claimKeySecretName" -}}
{{- if .Values.warmPools.claimKeySecret -}}
{{- .Values.warmPools.claimKeySecret -}}
{{- else -}}
{{- printf "%s-pool-claim-key" (include "lkbrowser.fullname" .) | trunc 63 | trimSuffix "-" -}}
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
       token Secret (no get, list or watch: other Secrets there stay unreadable to it). Exactly operator/src/rbac.ts
       REQUIRED_PERMISSIONS (operator/test/rbac.test.ts compares both ways), pinned to the requests the operator
       makes in the audit log of helm/test/operator-on-chart.test.ts. */}}
{{- define "lkbrowser.operatorRules" -}}
- apiGroups: [lkbrowser.dev]
  resources: [browsersessions]
  verbs: [list, watch]
- apiGroups: [lkbrowser.dev]
  resources: [browsersessions/status]
  verbs: [patch]
- apiGroups: [lkbrowser.dev]
  resources: [browsersessions/finalizers]
  verbs: [update]
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch, create, delete]
- apiGroups: [""]
  resources: [secrets]
  verbs: [create, update]
- apiGroups: [networking.k8s.io]
  resources: [networkpolicies]
  verbs: [create, update]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create]
{{- end -}}

{{/* The operator's extra rules for warm pools (warmPools.enabled; operator/src/rbac.ts entries with feature warmPools). */}}
{{- define "lkbrowser.poolRules" -}}
- apiGroups: [lkbrowser.dev]
  resources: [browserpools]
  verbs: [list, watch]
- apiGroups: [lkbrowser.dev]
  resources: [browserpools/status]
  verbs: [patch]
- apiGroups: [lkbrowser.dev]
  resources: [browserpools/finalizers]
  verbs: [update]
- apiGroups: [""]
  resources: [pods]
  verbs: [patch]
{{- end -}}

{{/* The admin policy as the operator reads it (--policy-file) and the admission policy embeds it. */}}
{{- define "lkbrowser.policyJson" -}}
{{- toJson .Values.policy -}}
{{- end -}}

{{/* Rules of the runtime NetworkPolicy (the operator adds podSelector and policyTypes): no ingress except
       runtime.port from the operator's pods; egress only to DNS, LiveKit and the public internet (private,
       loopback, link-local, CGNAT, the cluster's IPv4 ranges and extraExceptCidrs excluded: no SSRF into the cluster
       or the cloud metadata service at 169.254.169.254). */}}
{{- define "lkbrowser.runtimeNetworkPolicyRules" -}}
ingress:
  - from:
      - namespaceSelector:
          matchLabels:
            kubernetes.io/metadata.name: {{ .Release.Namespace }}
        podSelector:
          matchLabels:
            {{- include "lkbrowser.selectorLabels" . | nindent 12 }}
    ports:
      - protocol: TCP
        port: {{ .Values.runtime.port }}
  {{- with .Values.networkPolicy.automation.from }}
  {{- /* spec.automation's DevTools endpoint (operator AUTOMATION_PORT), from the agents the admin names only. */}}
  - from:
      {{- toYaml . | nindent 6 }}
    ports:
      - protocol: TCP
        port: 9223
  {{- end }}
egress:
  - to:
      {{- toYaml .Values.networkPolicy.dns.to | nindent 6 }}
    ports:
      - protocol: UDP
        port: 53
      - protocol: TCP
        port: 53
  {{- if .Values.networkPolicy.livekit.to }}
  - to:
      {{- toYaml .Values.networkPolicy.livekit.to | nindent 6 }}
    ports:
      {{- toYaml .Values.networkPolicy.livekit.ports | nindent 6 }}
  {{- end }}
  - to:
      - ipBlock:
          cidr: 0.0.0.0/0
          except:
            - 10.0.0.0/8
            - 172.16.0.0/12
            - 192.168.0.0/16
            - 169.254.0.0/16
            - 100.64.0.0/10
            - 127.0.0.0/8
            {{- range (concat .Values.networkPolicy.extraExceptCidrs .Values.cluster.podCidrs .Values.cluster.serviceCidrs) }}
            {{- if regexMatch "^[0-9.]+/[0-9]+$" . }}
            - {{ . }}
            {{- end }}
            {{- end }}
{{- end -}}
