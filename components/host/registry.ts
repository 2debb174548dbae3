// What the host primitives would write, kept for offline synth and tests. Pure data.

export interface PlannedFile {
    readonly host: string;
    readonly path: string;
    /** Text as rendered; secrets are placeholders. */
    readonly content: string;
    readonly mode: string;
    readonly owner: string;
    readonly group: string;
    /** For a symbolic link, its target. */
    readonly linkTo?: string;
}

const planned: PlannedFile[] = [];

export function recordFile(file: PlannedFile): void {
    planned.push(file);
}

export function plannedFiles(): readonly PlannedFile[] {
    return planned;
}

export function resetPlannedFiles(): void {
    planned.length = 0;
    services.length = 0;
}

/** A daemon the primitives keep running, and the files whose change restarts it. */
export interface PlannedService {
    readonly host: string;
    readonly unit: string;
    readonly paths: readonly string[];
}

const services: PlannedService[] = [];

export function recordService(service: PlannedService): void {
    services.push(service);
}

export function plannedServices(): readonly PlannedService[] {
    return services;
}
