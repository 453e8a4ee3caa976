import { Field, ObjectType, registerEnumType } from 'type-graphql';

export enum ViewerEventKind {
  READ_POSITION = 'READ_POSITION',
}

registerEnumType(ViewerEventKind, {
  name: 'ViewerEventKind',
  valuesConfig: {
    READ_POSITION: { description: "the viewer's read position in `channel` moved (markRead, on any of their clients)" },
  },
});

@ObjectType('ViewerEvent', { description: "Something a user's clients learn of each other." })
export class ViewerEventType {
  @Field(() => ViewerEventKind)
  kind!: ViewerEventKind;
}
