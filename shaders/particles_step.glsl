// One world step of a particle field (engine/sim/particles_gpu.py). Mirrors the CPU reference
// ParticleFieldCPU.step in engine/sim/particles.py operation for operation; change both together.
// Positions: vec4 (xyz metres relative to the field's float64 origin, w = age in local seconds).
#if defined COMPUTE_SHADER

layout(local_size_x = 256) in;

layout(std430, binding = 0) buffer Positions { vec4 positions[]; };
layout(std430, binding = 1) buffer Velocities { vec4 velocities[]; };
// Two vec4 per attractor: (x, y, z, strength*mass), (power, softening^2, 0, 0).
layout(std430, binding = 2) readonly buffer Attractors { vec4 attractors[]; };
// Three vec4 per zone: (centre, shape), (size, edge), (value, kind).
layout(std430, binding = 3) readonly buffer Zones { vec4 zones[]; };

uniform uint u_count;
uniform float u_dt;
uniform uint u_step;
uniform uint u_seed;
uniform int u_attractor_count;
uniform int u_zone_count;
uniform vec3 u_uniform_acceleration;
uniform float u_linear_drag;
uniform float u_quadratic_drag;
uniform float u_diffusion;
uniform bool u_aristotelian;
uniform float u_resistance;
uniform float u_speed_limit;
uniform bool u_ground;
uniform float u_ground_height;
uniform float u_restitution;
uniform bool u_use_bounds;
uniform vec3 u_bounds_low;
uniform vec3 u_bounds_high;
uniform bool u_follows_laws;

const float ZONE_TIME_FIELD = 0.0;
const float ZONE_REVERSE = 1.0;
const float ZONE_FREEZE = 2.0;
const float ZONE_RATE = 3.0;
const float ZONE_FIELD = 4.0;
const float ZONE_VORTEX = 5.0;

uint hash_uint(uint value) {
    uint state = value * 747796405u + 2891336453u;
    uint word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
    return (word >> 22u) ^ word;
}

float region_weight(int zone, vec3 position) {
    vec4 centre = zones[3 * zone];
    vec4 size = zones[3 * zone + 1];
    float depth;
    if (centre.w == 0.0) {
        vec3 offset = position - centre.xyz;
        depth = size.x - sqrt(dot(offset, offset));
    } else {
        vec3 inside = size.xyz - abs(position - centre.xyz);
        depth = min(inside.x, min(inside.y, inside.z));
    }
    if (size.w > 0.0) {
        return clamp(depth / size.w, 0.0, 1.0);
    }
    return depth >= 0.0 ? 1.0 : 0.0;
}

float local_rate(vec3 position) {
    float rate = 1.0;
    for (int zone = 0; zone < u_zone_count; zone++) {
        vec4 value = zones[3 * zone + 2];
        if (value.w == ZONE_TIME_FIELD) {
            rate = rate * (1.0 + (value.x - 1.0) * region_weight(zone, position));
        } else if (value.w == ZONE_REVERSE || value.w == ZONE_FREEZE || value.w == ZONE_RATE) {
            if (region_weight(zone, position) > 0.0) {
                rate = value.w == ZONE_REVERSE ? -rate : (value.w == ZONE_FREEZE ? 0.0 : value.x);
            }
        }
    }
    return rate;
}

vec3 acceleration_at(vec3 position) {
    vec3 total = vec3(0.0) + u_uniform_acceleration;
    for (int index = 0; index < u_attractor_count; index++) {
        vec4 body = attractors[2 * index];
        vec4 law = attractors[2 * index + 1];
        vec3 offset = body.xyz - position;
        float r2 = dot(offset, offset) + law.y;
        float factor = r2 > 0.0 ? body.w * pow(r2, law.x) : 0.0;
        total += offset * factor;
    }
    for (int zone = 0; zone < u_zone_count; zone++) {
        vec4 value = zones[3 * zone + 2];
        if (value.w == ZONE_FIELD) {
            total += region_weight(zone, position) * value.xyz;
        } else if (value.w == ZONE_VORTEX) {
            vec3 centre = zones[3 * zone].xyz;
            vec4 axis_core = zones[3 * zone + 1];
            vec3 axis = axis_core.xyz;
            vec3 offset = position - centre;
            vec3 radial = offset - dot(offset, axis) * axis;
            float distance = sqrt(dot(radial, radial));
            vec3 tangent = cross(axis, radial);
            float core = axis_core.w;
            float scale = distance <= core ? 1.0 / core : core / max(distance * distance, 1e-30);
            total += value.x * tangent * scale;
        }
    }
    return total;
}

vec3 gaussian(uint index) {
    uint base = hash_uint(index ^ hash_uint(u_step ^ u_seed));
    vec3 result;
    for (uint axis = 0u; axis < 3u; axis++) {
        uint first = hash_uint(base + 2u * axis);
        uint second = hash_uint(base + 2u * axis + 1u);
        float u1 = (float(first >> 8u) + 1.0) * (1.0 / 16777216.0);
        float u2 = float(second >> 8u) * (1.0 / 16777216.0);
        result[axis] = sqrt(-2.0 * log(u1)) * cos(6.2831855 * u2);
    }
    return result;
}

void main() {
    uint index = gl_GlobalInvocationID.x;
    if (index >= u_count) {
        return;
    }
    vec4 position_age = positions[index];
    vec3 position = position_age.xyz;
    vec3 velocity = velocities[index].xyz;
    float h = local_rate(position) * u_dt;
    if (u_follows_laws) {
        vec3 acceleration = acceleration_at(position);
        if (u_aristotelian) {
            float resistance = u_resistance + u_linear_drag;
            float magnitude = sqrt(dot(acceleration, acceleration));
            float speed;
            if (u_quadratic_drag > 0.0) {
                speed = 2.0 * magnitude / (resistance + sqrt(resistance * resistance
                    + 4.0 * u_quadratic_drag * magnitude));
            } else {
                speed = magnitude / resistance;
            }
            velocity = magnitude > 0.0 ? acceleration * (speed / max(magnitude, 1e-30)) : vec3(0.0);
        } else {
            if (u_linear_drag > 0.0) {
                velocity = velocity * exp(-u_linear_drag * h);
            }
            if (u_quadratic_drag > 0.0) {
                float speed = sqrt(dot(velocity, velocity));
                velocity = velocity / max(1.0 + u_quadratic_drag * speed * h, 1e-3);
            }
            velocity = velocity + acceleration * h;
        }
    }
    float speed = sqrt(dot(velocity, velocity));
    if (speed > u_speed_limit) {
        velocity = velocity * (u_speed_limit / max(speed, 1e-30));
    }
    position = position + velocity * h;
    if (u_follows_laws && u_diffusion > 0.0) {
        position = position + gaussian(index) * sqrt(2.0 * u_diffusion * abs(h));
    }
    float keep = u_aristotelian ? 0.0 : u_restitution;
    if (u_ground && position.y < u_ground_height) {
        position.y = u_ground_height;
        if (velocity.y < 0.0) {
            velocity.y = -velocity.y * keep;
        }
    }
    if (u_use_bounds) {
        for (int axis = 0; axis < 3; axis++) {
            if (position[axis] > u_bounds_high[axis]) {
                position[axis] = u_bounds_high[axis];
                if (velocity[axis] > 0.0) {
                    velocity[axis] = -velocity[axis] * keep;
                }
            }
            if (position[axis] < u_bounds_low[axis]) {
                position[axis] = u_bounds_low[axis];
                if (velocity[axis] < 0.0) {
                    velocity[axis] = -velocity[axis] * keep;
                }
            }
        }
    }
    positions[index] = vec4(position, position_age.w + h);
    velocities[index] = vec4(velocity, 0.0);
}

#endif
