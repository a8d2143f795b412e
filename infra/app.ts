#!/usr/bin/env -S npx tsx
import { App } from 'aws-cdk-lib';
import { defineStacks } from './stacks/index.ts';

// The CDK app (cdk.json: "app": "npx tsx infra/app.ts"). Configuration: CDK context, see infra/config.ts.
const app = new App();
defineStacks(app);
app.synth();
